import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";
import { chartTools, controlPlaneBinaries, run, waitFor } from "@ipac/testenv";
import { pino } from "pino";
import { Harness } from "../test/e2e-harness.js";

const chart = resolve(dirname(fileURLToPath(import.meta.url)), "../../../charts/ip-address-controller");
const IPS = ["192.0.2.50", "192.0.2.51"];

// RBAC proven, not guessed: the controller runs a full scenario with the chart's ServiceAccount token.
describe("the chart's RBAC", () => {
  const h = new Harness(`rbac-${Date.now().toString(36)}`);
  const namespace = h.prefix;
  const release = h.prefix;
  const serviceAccount = `${release}-ip-address-controller`;
  let kubectl: string;

  beforeAll(async () => {
    await h.setUp();
    kubectl = (await controlPlaneBinaries()).kubectl!;
    const { helm } = await chartTools();
    await run(
      helm,
      // The CRD is the harness's (installCRD), not this release's.
      ["install", release, chart, "-n", namespace, "--create-namespace", "--set", "replicaCount=1,crds.enabled=false"],
      h.cp.kubeconfigPath,
    );
  });

  afterAll(async () => {
    await h.deleteAllocation(`${h.prefix}-app`).catch(() => undefined);
    await h.tearDown();
  });

  async function serviceAccountKubeConfig(): Promise<KubeConfig> {
    const token = await h.core.createNamespacedServiceAccountToken({
      name: serviceAccount,
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    const cluster = h.kc.getCurrentCluster()!;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "c", server: cluster.server, caData: cluster.caData, skipTLSVerify: false }],
      users: [{ name: serviceAccount, token: token.status!.token }],
      contexts: [{ name: "sa", cluster: "c", user: serviceAccount }],
      currentContext: "sa",
    });
    return kc;
  }

  it("lets the controller do a full scenario with zero 403s", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(line) });
    await h.addNodes(["a", "b", "c"]);
    h.reserve(IPS);
    await h.startController("rbac-0", h.provider("rbac-0"), {
      kubeConfig: await serviceAccountKubeConfig(),
      leaseNamespace: namespace,
      logger,
    });
    const name = `${h.prefix}-app`;
    await h.createDeployment(name, 3);
    await h.createAllocation(name, {
      reservedIPs: IPS,
      workloadRef: { kind: "Deployment", name, namespace: "default" },
      deletionPolicy: "Release",
    });
    const holders = await h.waitConverged(name, IPS);
    // Evictions: the pod on the node without an IP goes.
    await waitFor("workload pods only on IP nodes", async () => {
      const ipNodes = Object.values(h.holders(IPS));
      const running = await h.runningPods(name);
      return running.length > 0 && running.every((p) => ipNodes.includes(p.node)) ? true : undefined;
    });
    await h.nodes.drain(Object.values(holders)[0]!);
    await h.waitConverged(name, IPS);
    await waitFor("Events written", async () =>
      (await h.events(name)).some((e) => e.reason === "IPMoved") ? true : undefined,
    );
    // deletionPolicy Release: the finalizer is set and removed by the controller.
    expect((await h.allocation(name)).metadata.finalizers).toContain("netinfra.darkbrains.com/release");
    await h.deleteAllocation(name);
    await waitFor("allocation released and gone", async () =>
      (await h.allocation(name).catch(() => undefined)) ? undefined : true,
    );
    expect(Object.values(h.holders(IPS))).toEqual([undefined, undefined]);
    const forbidden = lines.filter((line) => /forbidden|\b403\b/i.test(line));
    expect(forbidden).toEqual([]);
  });

  it.each([
    ["delete", "pods", "default", "no"],
    ["get", "secrets", "default", "no"],
    ["update", "nodes", "", "no"],
    ["delete", "nodes", "", "no"],
    ["create", "leases.coordination.k8s.io", "default", "no"],
    ["delete", "netipallocations.netinfra.darkbrains.com", "", "no"],
    ["patch", "nodes", "", "yes"],
    ["create", "pods --subresource=eviction", "default", "yes"],
    ["update", "leases.coordination.k8s.io", "OWN", "yes"],
  ])("kubectl auth can-i %s %s (namespace %s): %s", async (verb, resource, ns, expected) => {
    const args = [
      "auth",
      "can-i",
      "--quiet",
      verb,
      ...resource.split(" "),
      `--as=system:serviceaccount:${namespace}:${serviceAccount}`,
    ];
    if (ns) args.push("-n", ns === "OWN" ? namespace : ns);
    // --quiet: the answer is the exit code.
    const answer = await run(kubectl, args, h.cp.kubeconfigPath).then(
      () => "yes",
      () => "no",
    );
    expect(answer).toBe(expected);
  });
});
