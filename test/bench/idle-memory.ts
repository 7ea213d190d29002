// Idle memory of the controller: each SDK's share (a bare Node loading only it), and the controller process's
// resident memory against an empty cluster, with one allocation of each single cloud, and with one of each (the
// SDKs are loaded only for clouds in use). Usage: node --expose-gc test/dist/bench/idle-memory.js
import { execFileSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GROUP, PLURAL, VERSION, createNetIPAllocation, installCRD, type CloudProviderName } from "@ipac/api";
import { Simulator } from "@ipac/cloud-sim";
import { startControlPlane, waitFor } from "@ipac/testenv";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { mib, rssMiB, scrape, startBenchController, total } from "./controller-process.js";

const here = dirname(fileURLToPath(import.meta.url));

console.log("Each SDK's share (a bare Node loading it and creating its adapter; MiB after GC):");
const shares = ["none", "client-node", "gcp", "aws", "azure"].map((what) => {
  const out = execFileSync("node", ["--expose-gc", join(here, "sdk-load.js"), what], { encoding: "utf8" });
  return JSON.parse(out) as {
    what: string;
    loadMs: number;
    longestBlockMs: number;
    rss: number;
    heapUsed: number;
    external: number;
  };
});
const base = shares[0]!.rss;
console.table(
  shares.map((s) => ({
    loads: s.what === "none" ? "bare Node" : s.what,
    rss: mib(s.rss),
    "over bare Node": mib(s.rss - base),
    heapUsed: mib(s.heapUsed),
    external: mib(s.external),
    "load ms (event loop blocked)": Math.round(s.longestBlockMs),
  })),
);

const IPS: Record<CloudProviderName, { ip: string; region: string }> = {
  gcp: { ip: "34.90.0.1", region: "us-west1" },
  aws: { ip: "198.18.90.1", region: "us-east-1" },
  azure: { ip: "20.90.0.1", region: "westeurope" },
};

const cp = await startControlPlane({ simulateNodes: false });
const sim = new Simulator({ gcpProject: "proj" });
try {
  await installCRD(cp.kubeConfig);
  const custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);
  for (const [provider, { ip, region }] of Object.entries(IPS))
    sim.world.reserveAddress({ ip, provider: provider as CloudProviderName, region });
  const endpoints = await sim.start();
  const caFile = join(await mkdtemp(join(tmpdir(), "ipac-bench-")), "ca.pem");
  await writeFile(caFile, sim.azure.ca);
  const env = {
    ...endpoints.env,
    KUBECONFIG: cp.kubeconfigPath,
    LEASE_NAMESPACE: "default",
    GOOGLE_APPLICATION_CREDENTIALS: "",
    AWS_REGION: "us-east-1",
    AZURE_SUBSCRIPTION_ID: "00000000-0000-0000-0000-000000000001",
    IDENTITY_ENDPOINT: `${endpoints.azure}/msi/token`,
    IDENTITY_HEADER: "sim",
    NODE_EXTRA_CA_CERTS: caFile,
  };
  const rows = [];
  for (const clouds of [[], ["gcp"], ["aws"], ["azure"], ["gcp", "aws", "azure"]] as CloudProviderName[][]) {
    const names = clouds.map((provider) => `idle-${provider}`);
    for (const provider of clouds)
      await createNetIPAllocation(
        custom,
        { name: `idle-${provider}` },
        { reservedIPs: [IPS[provider].ip], cloud: { provider, region: IPS[provider].region } },
      );
    const controller = await startBenchController({
      ...env,
      LEASE_NAME: `idle-${clouds.join("-") || "empty"}`,
      LEASE_DURATION: "15",
    });
    // Reconciled: every allocation's status written by the leader (its cloud read done).
    await waitFor(
      "allocations reconciled",
      async () => {
        for (const name of names) {
          const object = (await custom.getClusterCustomObject({
            group: GROUP,
            version: VERSION,
            plural: PLURAL,
            name,
          })) as { status?: { observedGeneration?: number } };
          if (object.status?.observedGeneration === undefined) return undefined;
        }
        return total(await scrape(controller.port), "netipallocation_controller_is_leader") === 1 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    // A few resyncs' worth of steady state before reading.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const samples = await scrape(controller.port);
    rows.push({
      allocations: clouds.join(" + ") || "none (empty cluster)",
      "RSS MiB": Math.round(rssMiB(controller.child.pid!)),
      "heap used MiB": mib(total(samples, "nodejs_heap_size_used_bytes")),
      "heap total MiB": mib(total(samples, "nodejs_heap_size_total_bytes")),
      "external MiB": mib(total(samples, "nodejs_external_memory_bytes")),
      "SDKs loaded":
        controller.lines
          .filter((l) => l.includes("cloud SDK loaded"))
          .map((l) => (JSON.parse(l) as { provider: string }).provider)
          .join(" ") || "-",
    });
    await controller.stop();
    for (const name of names)
      await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, name });
  }
  console.log("\nController process (one replica, leader), 10 s after its allocations were reconciled:");
  console.table(rows);
} finally {
  await sim.stop();
  await cp.stop();
}
