import { PAUSED_ANNOTATION, createNetIPAllocation, type Condition } from "@ipac/api";
import { gceInstanceKey } from "@ipac/cloud";
import { ComputeFront } from "@ipac/cloud-sim";
import { freePort, waitFor } from "@ipac/testenv";
import { PolicyV1Api } from "@kubernetes/client-node";
import { Harness, reconcileTotals } from "../test/e2e-harness.js";

// Failure paths of the controller process on GCP (the Compute front of the simulator), with their rates: what a
// throttled, refused or blocked write costs per minute, and what the status says meanwhile.
describe("failure paths (controller process on GCP)", () => {
  const h = new Harness(`fail-${Date.now().toString(36)}`);
  const front = new ComputeFront(h.world, "proj");
  let endpoint = "";
  let metricsPort = 0;
  const region = "us-west1";
  const zone = "us-west1-a";

  /** Arrival times of the requests of one operation on one node's VM (or any, without a node) since `since`. */
  const requests = (operation: string, since: number, node?: string) =>
    front.ledger.requests
      .filter((r) => r.operation === operation && r.at >= since)
      .filter((r) => node === undefined || r.target === gceInstanceKey("proj", zone, node))
      .map((r) => r.at);
  /** Waits for the first request of `operation` on `node`'s VM: fault windows start there, not at test start. */
  const firstRequest = (operation: string, node: string) =>
    waitFor(`${operation} on ${node}`, () => requests(operation, 0, node)[0], { timeoutMs: 30_000 });
  const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
  const condition = async (name: string, type: string): Promise<Condition | undefined> =>
    (await h.allocation(name)).status?.conditions?.find((c) => c.type === type);
  const reconciles = async (name: string) => (await reconcileTotals(metricsPort)).get(name) ?? 0;
  /** Every IP attached and Ready (the harness's waitConverged looks at the whole pool, shared by the scenarios). */
  const ready = (name: string, timeoutMs = 30_000) =>
    waitFor(
      `${name} Ready`,
      async () => {
        const status = (await h.allocation(name)).status;
        const isReady = status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
        return isReady && status?.attachedCount === status?.reservedCount ? status : undefined;
      },
      { timeoutMs },
    );
  /** Nodes of one scenario: its own label, so scenarios do not compete for nodes. */
  const scenario = async (label: string, shorts: string[]) => {
    await h.addNodes(shorts, zone, { scenario: label });
    return { ...h.poolLabel, scenario: label };
  };
  const create = (name: string, ips: string[], nodeSelector: Record<string, string>, extra: object = {}) =>
    h.createAllocation(name, {
      reservedIPs: ips,
      cloud: { provider: "gcp", region },
      nodeSelector,
      reconcileInterval: 5,
      ...extra,
    });

  beforeAll(async () => {
    await h.setUp();
    const { host, port } = await front.listen();
    endpoint = `http://${host}:${port}`;
    metricsPort = await freePort();
    await h.spawnGcpController(endpoint, metricsPort);
  });

  afterAll(async () => {
    await front.close();
    await h.tearDown();
  });

  it("honours Retry-After on throttled writes: each attempt at least 5 s after the last, status Throttled", async () => {
    const selector = await scenario("throttle", ["t1"]);
    const ip = "34.121.0.1";
    const name = `${h.prefix}-throttle`;
    const node = h.nodeName("t1");
    h.reserve([ip], "gcp", region);
    front.faults.failNext("instances.deleteAccessConfig", "rateLimitExceeded", 429, 1_000, 5);
    try {
      await create(name, [ip], selector);
      const first = await firstRequest("instances.deleteAccessConfig", node);
      await waitFor("Throttled", async () =>
        (await condition(name, "Degraded"))?.reason === "Throttled" ? true : undefined,
      );
      expect((await condition(name, "Ready"))?.status).toBe("False");
      const before = await reconciles(name);
      await sleepUntil(first + 16_000); // a 16 s window of throttled writes
      const attempts = requests("instances.deleteAccessConfig", first, node);
      const gaps = attempts.slice(1).map((at, i) => at - attempts[i]!);
      const reads = requests("addresses.list", first).length;
      console.log(
        `throttled writes (Retry-After 5 s) for 16 s: ${attempts.length} deleteAccessConfig (gaps ${gaps.join(", ")} ms), ${reads} addresses.list (all allocations), ${(await reconciles(name)) - before} reconciles after the first`,
      );
      expect(attempts.length).toBeGreaterThanOrEqual(3); // at 0, 5, 10 and 15 s
      expect(attempts.length).toBeLessThanOrEqual(4);
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(4_900);
    } finally {
      front.faults.failNext("instances.deleteAccessConfig", "rateLimitExceeded", 429, 0);
    }
    await ready(name);
    expect((await condition(name, "Degraded"))?.status).toBe("False");
  });

  it("retries a permanently refused attach only at the reconcile interval, and says PermissionDenied", async () => {
    const selector = await scenario("denied", ["p1"]);
    const ip = "34.121.0.2";
    const name = `${h.prefix}-denied`;
    const node = h.nodeName("p1");
    h.reserve([ip], "gcp", region);
    front.faults.failNext("instances.deleteAccessConfig", "forbidden", 403, 1_000);
    try {
      await create(name, [ip], selector);
      const first = await firstRequest("instances.deleteAccessConfig", node);
      await waitFor("PermissionDenied", async () =>
        (await condition(name, "Degraded"))?.reason === "PermissionDenied" ? true : undefined,
      );
      await sleepUntil(first + 12_000);
      const attempts = requests("instances.deleteAccessConfig", first, node);
      console.log(
        `permanent 403 on attach for 12 s: ${attempts.length} deleteAccessConfig, ${await reconciles(name)} reconciles`,
      );
      expect(attempts.length).toBeLessThanOrEqual(3); // once, then every reconcileInterval (5 s)
      const status = (await h.allocation(name)).status!;
      expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
        status: "False",
        reason: "PermissionDenied",
      });
      expect(status.assignments?.[0]?.message).toMatch(/Permission \(7\).*next try at/);
      const errors = (await h.events(name)).filter((e) => e.reason === "CloudError");
      expect(errors).toHaveLength(1); // one Event, its count growing
    } finally {
      front.faults.failNext("instances.deleteAccessConfig", "forbidden", 403, 0);
    }
    await ready(name);
  });

  it("moves the IP off a node whose VM was deleted while the Node stays Ready, and says why", async () => {
    const selector = await scenario("vm-gone", ["v1", "v2"]);
    const ip = "34.121.0.3";
    const name = `${h.prefix}-vmgone`;
    h.reserve([ip], "gcp", region);
    await create(name, [ip], selector);
    await ready(name);
    const holder = h.holders([ip])[ip];
    const other = [h.nodeName("v1"), h.nodeName("v2")].find((n) => n !== holder)!;
    h.world.terminate(gceInstanceKey("proj", zone, holder!));
    await waitFor(`${ip} on ${other}`, () => (h.holders([ip])[ip] === other ? true : undefined), { timeoutMs: 30_000 });
    await waitFor(`${holder} unlabelled`, async () =>
      (await h.node(holder!.slice(h.prefix.length + 1))).metadata?.labels?.["ip.ready"] === undefined
        ? true
        : undefined,
    );
    await waitFor("Degraded InstanceNotFound", async () =>
      (await condition(name, "Degraded"))?.reason === "InstanceNotFound" ? true : undefined,
    );
    const events = (await h.events(name)).map((e) => e.reason);
    expect(events).toContain("InstanceNotFound");
  });

  it("takes an IP from a VM outside the cluster when allowed, naming the previous holder", async () => {
    const selector = await scenario("takeover", ["f1"]);
    const ip = "34.121.0.4";
    const name = `${h.prefix}-takeover`;
    const foreign = gceInstanceKey("proj", zone, `${h.prefix}-vpn`);
    h.world.addInstance({ key: foreign, provider: "gcp", name: `${h.prefix}-vpn`, zone, account: "proj" });
    h.reserve([ip], "gcp", region);
    h.world.attach(ip, foreign, { actor: "someone-else" });
    await create(name, [ip], selector, { allowForeignTakeover: true });
    await ready(name);
    const detached = (await h.events(name)).find((e) => e.reason === "IPDetached");
    expect(detached?.message).toContain(`${h.prefix}-vpn`);
    expect(h.world.ipsOnTwoInstances()).toEqual([]);
  });

  it("reports a workload that does not exist, and a paused value that is neither true nor false (writing nothing)", async () => {
    const selector = await scenario("inputs", ["i1"]);
    const ip = "34.121.0.5";
    h.reserve([ip], "gcp", region);
    const missing = `${h.prefix}-noworkload`;
    await create(missing, [ip], selector, { workloadRef: { kind: "Deployment", name: "nope", namespace: "default" } });
    await waitFor("WorkloadNotFound", async () =>
      (await condition(missing, "Degraded"))?.reason === "WorkloadNotFound" ? true : undefined,
    );
    expect((await h.events(missing)).map((e) => e.reason)).toContain("WorkloadNotFound");

    const paused = `${h.prefix}-paused`;
    const ip2 = "34.121.0.6";
    h.reserve([ip2], "gcp", region);
    await h.addNodes(["i2"], zone, { scenario: "paused" });
    const writesBefore = front.ledger.requests.filter((r) => r.write).length;
    await createNetIPAllocation(
      h.custom,
      { name: paused, annotations: { [PAUSED_ANNOTATION]: "yes" } },
      { reservedIPs: [ip2], cloud: { provider: "gcp", region }, nodeSelector: { ...h.poolLabel, scenario: "paused" } },
    );
    await waitFor("Paused InvalidAnnotation", async () =>
      (await condition(paused, "Paused"))?.reason === "InvalidAnnotation" ? true : undefined,
    );
    await h.deleteAllocation(paused);
    expect(front.ledger.requests.filter((r) => r.write && r.ip === ip2)).toEqual([]);
    expect(front.ledger.requests.filter((r) => r.write).length).toBeGreaterThanOrEqual(writesBefore);
  });

  it("backs off an eviction a PodDisruptionBudget blocks, with one Event naming the budget", async () => {
    const selector = await scenario("pdb", ["e1", "e2"]);
    const ip = "34.121.0.7";
    const app = `${h.prefix}-pdbapp`;
    const name = `${h.prefix}-pdb`;
    h.reserve([ip], "gcp", region);
    // One pod per node: the node that gets the IP keeps one, the other is stranded and must be evicted.
    await h.createDeployment(app, 2, { ...selector }, true);
    await waitFor("2 pods running", async () => ((await h.runningPods(app)).length === 2 ? true : undefined));
    await h.kc.makeApiClient(PolicyV1Api).createNamespacedPodDisruptionBudget({
      namespace: "default",
      body: {
        metadata: { name: `${app}-pdb` },
        spec: { minAvailable: 2, selector: { matchLabels: { app } } },
      },
    });
    const started = Date.now();
    await create(name, [ip], selector, { workloadRef: { kind: "Deployment", name: app, namespace: "default" } });
    await ready(name);
    await waitFor("EvictionBlocked", async () =>
      (await h.events(name)).some((e) => e.reason === "EvictionBlocked") ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 15_000 - (Date.now() - started)));
    const blocked = (await h.events(name)).filter((e) => e.reason === "EvictionBlocked");
    expect(blocked).toHaveLength(1);
    expect(blocked[0]?.message).toContain(`PodDisruptionBudget ${app}-pdb`);
    console.log(`PDB-blocked eviction for 15 s: ${blocked[0]?.count ?? 1} attempts (Event count)`);
    expect(blocked[0]?.count ?? 1).toBeLessThanOrEqual(5); // 1, 2, 4, 8 s apart
  });
});
