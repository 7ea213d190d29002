import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { controlPlaneBinaries, waitFor } from "@ipac/testenv";
import { installCRD, netIPAllocationCRD } from "@ipac/api";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { Harness } from "../test/e2e-harness.js";

async function replaceCRDSchema(h: Harness, openAPIV3Schema: object): Promise<void> {
  const crd = netIPAllocationCRD();
  const resource = {
    group: "apiextensions.k8s.io",
    version: "v1",
    plural: "customresourcedefinitions",
    name: crd.metadata.name,
  };
  const api = h.kc.makeApiClient(CustomObjectsApi);
  const current = (await api.getClusterCustomObject(resource)) as { metadata: { resourceVersion: string } };
  const versions = (crd.spec.versions as object[]).map((v) => ({ ...v, schema: { openAPIV3Schema } }));
  await api.replaceClusterCustomObject({
    ...resource,
    body: {
      ...crd,
      metadata: { ...crd.metadata, resourceVersion: current.metadata.resourceVersion },
      spec: { ...crd.spec, versions },
    },
  });
}

const IPS = ["198.51.100.1", "198.51.100.2"];

describe("controller end to end (real control plane, in-memory cloud)", () => {
  const h = new Harness(`ctl-${Date.now().toString(36)}`);
  const name = `${h.prefix}-web`;
  const cloud = h.provider("ctl-1");

  beforeAll(async () => {
    await h.setUp();
    await h.addNodes(["a", "b"], "zone-a");
    await h.addNodes(["c", "d"], "zone-b");
    h.reserve([...IPS, "198.51.100.3"]);
    await h.startController("ctl-1", cloud);
  });

  afterAll(async () => {
    await h.deleteAllocation(name).catch(() => undefined);
    await h.tearDown();
  });

  it("attaches every IP to its own eligible node, labels them, and reports status, columns and Events", async () => {
    await h.createDeployment(name, 2);
    const podNodes = await waitFor("workload pods running", async () => {
      const pods = await h.runningPods(name);
      return pods.length === 2 ? new Set(pods.map((p) => p.node)) : undefined;
    });
    await h.createAllocation(name, {
      reservedIPs: IPS,
      workloadRef: { kind: "Deployment", name, namespace: "default" },
    });
    const holders = await h.waitConverged(name, IPS);
    // Placement (DESIGN §3.6): nodes already running the workload's pods first, then the zone with fewest IPs.
    for (const podNode of podNodes) expect(Object.values(holders)).toContain(podNode);
    const zones = Object.values(holders).map((n) => (n.endsWith("-a") || n.endsWith("-b") ? "zone-a" : "zone-b"));
    if (podNodes.size === 1) expect(new Set(zones).size).toBe(2);
    const status = (await h.allocation(name)).status!;
    expect(status).toMatchObject({ reservedCount: 2, attachedCount: 2, unattachedCount: 0 });
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "True", reason: "AllAttached" });
    expect(h.world.ipsOnTwoInstances()).toEqual([]);
    await waitFor("IPAttached events", async () =>
      (await h.events(name)).filter((e) => e.reason === "IPAttached").length === 2 ? true : undefined,
    );
    const { kubectl } = await controlPlaneBinaries();
    const { stdout } = await promisify(execFile)(kubectl!, ["get", "netipallocations", name, "-o", "wide"], {
      env: { ...process.env, KUBECONFIG: h.cp.kubeconfigPath },
    });
    const row = stdout
      .trim()
      .split("\n")[1]!
      .split(/\s{2,}/);
    expect([row[1], row[2], row[3], row[4], row[6]]).toEqual(["gcp", "2", "2", "True", "0"]);
    const described = await promisify(execFile)(kubectl!, ["describe", "netipallocation", name], {
      env: { ...process.env, KUBECONFIG: h.cp.kubeconfigPath },
    });
    expect(described.stdout).toMatch(
      /Normal\s+IPAttached\s+.*ip-address-controller\s+attached 198\.51\.100\.\d to node/,
    );
    if (process.env.IPAC_SHOW_KUBECTL) console.log(`${stdout}\n${described.stdout}`);
  });

  it("keeps the IP of a cordoned node while workload pods run there", async () => {
    const before = h.holders(IPS);
    const withPods = (await h.runningPods(name)).find((p) => Object.values(before).includes(p.node))!;
    expect(withPods).toBeDefined();
    await h.nodes.cordon(withPods.node);
    // Give the controller time to react: it must not move the IP.
    await waitFor("status mentions the kept IP", async () => {
      const a = (await h.allocation(name)).status?.assignments?.find((x) => x.node === withPods.node);
      return a?.message?.includes("kept while") ? true : undefined;
    });
    expect(h.holders(IPS)).toEqual(before);
  });

  it("moves the IP off a drained node and evicts workload pods stranded without an IP", async () => {
    const before = h.holders(IPS);
    const pods = await h.runningPods(name);
    const drained = pods.find((p) => Object.values(before).includes(p.node))!.node;
    const movedIP = Object.entries(before).find(([, n]) => n === drained)![0];
    const started = Date.now();
    await h.nodes.drain(drained);
    // Converged from before the move looks the same as after it: wait for the move first.
    await waitFor(`${movedIP} off ${drained}`, () => (h.holders(IPS)[movedIP] !== drained ? true : undefined));
    const after = await h.waitConverged(name, IPS);
    console.log(`drain → IP moved and labelled in ${Date.now() - started} ms`);
    expect(after[movedIP]).not.toBe(drained);
    expect(h.world.ipsOnTwoInstances()).toEqual([]);
    expect((await h.node(drained.slice(h.prefix.length + 1))).metadata?.labels?.["ip.ready"]).toBeUndefined();
    await waitFor("IPMoved event", async () =>
      (await h.events(name)).some((e) => e.reason === "IPMoved") ? true : undefined,
    );
    // Every running workload pod ends on a node holding an IP (stranded ones were evicted and rescheduled).
    await waitFor("workload pods only on IP nodes", async () => {
      const running = await h.runningPods(name);
      const ipNodes = Object.values(h.holders(IPS));
      return running.length > 0 && running.every((p) => ipNodes.includes(p.node)) ? true : undefined;
    });
    await h.nodes.uncordon(drained);
  });

  it("moves the IP of a failed node after the grace period", async () => {
    const before = h.holders(IPS);
    const [ip, failed] = Object.entries(before)[0]!;
    const started = Date.now();
    await h.nodes.fail(failed!);
    await waitFor(`IP ${ip} moved off ${failed}`, () => (h.world.holderOf(ip)?.name !== failed ? true : undefined), {
      timeoutMs: 60_000,
    });
    const after = await h.waitConverged(name, IPS);
    console.log(
      `node failure → IP moved and labelled in ${Date.now() - started} ms (grace 2 s, node-monitor-grace 5 s)`,
    );
    expect(after[ip]).not.toBe(failed);
    expect(h.world.ipsOnTwoInstances()).toEqual([]);
    await h.nodes.recover(failed!);
    await h.nodes.waitForReady(failed!, "True");
  });

  it("moves the IP of a deleted node", async () => {
    const [ip, holder] = Object.entries(h.holders(IPS))[1]!;
    await h.core.deleteNode({ name: holder! });
    await waitFor(`IP ${ip} moved off deleted ${holder}`, () =>
      h.world.holderOf(ip)?.name !== holder ? true : undefined,
    );
    const after = await h.waitConverged(name, IPS);
    expect(after[ip]).not.toBe(holder);
  });

  it("converges after spec edits: an IP added, an IP removed", async () => {
    await h.addNodes(["e"], "zone-a");
    const all = [...IPS, "198.51.100.3"];
    await h.patchAllocation(name, { spec: { reservedIPs: all } });
    await h.waitConverged(name, all);
    await h.patchAllocation(name, { spec: { reservedIPs: IPS } });
    await waitFor("status shows 2 IPs", async () =>
      (await h.allocation(name)).status?.reservedCount === 2 ? true : undefined,
    );
    // A removed IP is never dropped implicitly: it stays where it was, and no other IP joins it there.
    expect(h.world.holderOf("198.51.100.3")).toBeDefined();
    expect(h.world.ipsOnTwoInstances()).toEqual([]);
  });

  it("reports a spec the schema let through but the controller cannot use, touching nothing", async () => {
    // An object written under an older, looser CRD: swap in a schema that accepts anything, then restore.
    const bad = `${h.prefix}-bad`;
    await replaceCRDSchema(h, { type: "object", "x-kubernetes-preserve-unknown-fields": true });
    try {
      await h.createAllocation(bad, { reservedIPs: ["not-an-ip", "198.51.100.1"] });
      const invalid = await waitFor("InvalidSpec condition", async () =>
        (await h.allocation(bad)).status?.conditions?.find((c) => c.type === "InvalidSpec" && c.status === "True"),
      );
      expect(invalid.message).toMatch(/spec.reservedIPs\[0\]: "not-an-ip" is not a valid IP address/);
      await waitFor("InvalidSpec event", async () =>
        (await h.events(bad)).some((e) => e.reason === "InvalidSpec") ? true : undefined,
      );
      await h.waitConverged(name, IPS);
      await h.deleteAllocation(bad);
    } finally {
      await installCRD(h.kc);
    }
  });

  it("gives an IP claimed by two allocations to the older one; the younger reports Conflict", async () => {
    const younger = `${h.prefix}-younger`;
    await h.createAllocation(younger, { reservedIPs: [IPS[0]!] });
    await waitFor("Conflict condition", async () =>
      (await h.allocation(younger)).status?.conditions?.some((c) => c.type === "Conflict" && c.status === "True")
        ? true
        : undefined,
    );
    expect((await h.events(younger)).some((e) => e.reason === "Conflict")).toBe(true);
    await h.waitConverged(name, IPS);
    await h.deleteAllocation(younger);
  });

  it("moves the IPs of two nodes drained at once, side by side", async () => {
    await h.addNodes(["g", "h"], "zone-b"); // room for both IPs whatever the earlier tests left
    const drained = Object.values(await h.waitConverged(name, IPS));
    cloud.latencyMs = 300; // every cloud call takes 300 ms
    const started = Date.now();
    try {
      await Promise.all(drained.map((node) => h.nodes.drain(node)));
      await waitFor("both IPs off the drained nodes", async () => {
        const holders = Object.values(h.holders(IPS));
        return drained.every((node) => !holders.includes(node)) ? true : undefined;
      });
      const after = await h.waitConverged(name, IPS);
      console.log(`two nodes drained at once → both IPs moved and labelled in ${Date.now() - started} ms`);
      for (const node of drained) expect(Object.values(after)).not.toContain(node);
      expect(h.world.ipsOnTwoInstances()).toEqual([]);
    } finally {
      cloud.latencyMs = 0;
      await Promise.all(drained.map((node) => h.nodes.uncordon(node)));
    }
  });
});
