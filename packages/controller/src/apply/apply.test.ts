import { API_VERSION, KIND, type NetIPAllocation, type NetIPAllocationStatus } from "@ipac/api";
import { CloudError, OPEN_FENCE } from "@ipac/cloud";
import { InMemoryCloudProvider, World } from "@ipac/cloud-sim";
import { pino } from "pino";
import { node } from "../../test/decide-scenarios.js";
import { RecordingClusterWriter } from "../../test/recording-cluster-writer.js";
import type { Action, DecideOutput } from "../decide/index.js";
import { FailureLog } from "../failure-log.js";
import { ControllerMetrics } from "../metrics.js";
import { NodeClaims } from "../node-claims.js";
import { Applier } from "./apply.js";

const IP = "34.0.0.1";
const n1 = node("n1");
const n2 = node("n2");
const instanceOf = (n: typeof n1) => {
  if (!n.instance.ok) throw new Error(n.instance.reason);
  return n.instance.instance;
};
const attach = (to: typeof n1, extra: Partial<Action & { type: "attach" }> = {}): Action => ({
  type: "attach",
  ip: IP,
  node: to.name,
  instance: instanceOf(to),
  reason: "placement",
  ...extra,
});
const labelOn = (on: typeof n1, after?: number): Action => ({
  type: "label",
  node: on.name,
  set: true,
  ip: IP,
  ...(after !== undefined ? { after } : {}),
});
const attached: NetIPAllocationStatus = { assignments: [{ ip: IP, node: "n1", state: "Attached" }], attachedCount: 1 };

function setup() {
  const world = new World();
  for (const n of [n1, n2]) world.addInstance({ ...instanceOf(n), provider: "gcp" });
  world.reserveAddress({ ip: IP, provider: "gcp", region: "r" });
  const cloud = new InMemoryCloudProvider(world, "gcp");
  const cluster = new RecordingClusterWriter();
  const events: string[] = [];
  const claims = new NodeClaims();
  const logger = pino({ level: "silent" });
  const applier = new Applier({
    cluster,
    cloud,
    scope: { provider: "gcp", region: "r" },
    recorder: { record: (_object, type, reason, message) => events.push(`${type} ${reason}: ${message}`) },
    metrics: new ControllerMetrics({ podName: "p", version: "v" }),
    claims,
    logger,
    failures: new FailureLog(logger),
    fence: OPEN_FENCE,
  });
  return { world, cloud, cluster, events, claims, applier };
}

function allocation(status?: NetIPAllocationStatus): NetIPAllocation {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: "alloc", uid: "u1" },
    spec: { reservedIPs: [IP], nodeSelector: { role: "public" }, cloud: { provider: "gcp", region: "r" } },
    ...(status ? { status } : {}),
  } as NetIPAllocation;
}

function output(actions: Action[], overrides: Partial<DecideOutput> = {}): DecideOutput {
  return {
    actions,
    dryRun: false,
    status: attached,
    events: [],
    requeueAfterMs: 60_000,
    eligibleNodes: 2,
    released: false,
    ...overrides,
  };
}

describe("Applier", () => {
  it("attaches, then labels; the status names the target before the attach and is not written again unchanged", async () => {
    const { world, cluster, events, claims, applier } = setup();
    const result = await applier.apply(allocation(), output([attach(n1), labelOn(n1, 0)]));
    expect(result).toEqual({ failedActions: 0 });
    expect(cluster.actions).toEqual(["status alloc", "label n1 ip.ready=true"]);
    expect(world.holderOf(IP)?.name).toBe("n1");
    expect(claims.claimedByOthers("another")).toEqual(new Map([["n1", { allocation: "alloc", ip: IP }]]));
    expect(events).toEqual([`Normal IPAttached: attached ${IP} to node n1`]);
  });

  it("writes nothing when there is nothing to do and the status is unchanged", async () => {
    const { cluster, cloud, applier } = setup();
    await applier.apply(allocation(attached), output([]));
    expect(cluster.actions).toEqual([]);
    expect(cloud.calls).toEqual({ describeAddresses: 0, attach: 0, detach: 0 });
  });

  it("on a failed attach: skips the label that needed it, releases the node's claim, returns the error to retry", async () => {
    const { world, cloud, cluster, events, claims, applier } = setup();
    cloud.failNext("attach", "Transient");
    const result = await applier.apply(allocation(), output([attach(n1), labelOn(n1, 0)]));
    expect(result.failedActions).toBe(1);
    expect(result.retryable).toBeInstanceOf(CloudError);
    expect(result.retryable).toMatchObject({ kind: "Transient" });
    expect(cluster.actions).toEqual(["status alloc"]);
    expect(world.holderOf(IP)).toBeUndefined();
    expect(claims.claimedByOthers("another").size).toBe(0);
    expect(events).toEqual([expect.stringMatching(/^Warning CloudError: /)]);
  });

  it("runs an independent chain when another one fails", async () => {
    const { cluster, cloud, applier } = setup();
    cloud.failNext("attach", "Transient");
    const result = await applier.apply(allocation(), output([attach(n1), labelOn(n1, 0), labelOn(n2)]));
    expect(result.failedActions).toBe(1);
    expect(cluster.actions).toContain("label n2 ip.ready=true");
    expect(cluster.actions).not.toContain("label n1 ip.ready=true");
  });

  it("keeps the longest delay the cloud asked for", async () => {
    const { cloud, applier } = setup();
    cloud.failNext("attach", "RateLimited", 1, 7_000);
    const result = await applier.apply(allocation(), output([attach(n1)]));
    expect(result).toMatchObject({ failedActions: 1, retryAfterMs: 7_000, retryable: { kind: "RateLimited" } });
  });

  it("does not retry a refused cloud call that will be refused again", async () => {
    const { cloud, applier } = setup();
    cloud.failNext("attach", "Permission");
    const result = await applier.apply(allocation(), output([attach(n1)]));
    expect(result.failedActions).toBe(1);
    expect(result.retryable).toBeUndefined();
  });

  it("waits, without backoff, for a PodDisruptionBudget that refuses an eviction; retries a failed label", async () => {
    const { cluster, applier } = setup();
    cluster.fail("evict default/web-0", Object.assign(new Error("Too Many Requests"), { code: 429 }));
    const evicted = await applier.apply(
      allocation(attached),
      output([{ type: "evict", pod: "web-0", namespace: "default", node: "n2" }]),
    );
    expect(evicted).toEqual({ failedActions: 1, retryAfterMs: 5_000 });

    const refused = new Error("connection refused");
    cluster.fail("label n2 ip.ready=true", refused);
    const labelled = await applier.apply(allocation(attached), output([labelOn(n2)]));
    expect(labelled).toEqual({ failedActions: 1, retryable: refused });
  });

  it("in dry-run calls no cloud and writes no node or pod: only the status and 'would' Events", async () => {
    const { world, cloud, cluster, events, applier } = setup();
    const result = await applier.apply(
      allocation(),
      output([attach(n1), labelOn(n1, 0), { type: "evict", pod: "web-0", namespace: "default", node: "n2" }], {
        dryRun: true,
      }),
    );
    expect(result).toEqual({ failedActions: 0 });
    expect(cloud.calls).toEqual({ describeAddresses: 0, attach: 0, detach: 0 });
    expect(world.holderOf(IP)).toBeUndefined();
    expect(cluster.actions).toEqual(["status alloc"]);
    // The chain of actions without an IP runs first.
    expect(events).toEqual([
      "Normal DryRun: would evict pod default/web-0 from node n2, which has no IP",
      `Normal DryRun: would attach ${IP} to node n1`,
      "Normal DryRun: would set label ip.ready on node n1",
    ]);
  });

  it("does not write a status equal to the recorded one, even before an attach", async () => {
    const { world, cluster, applier } = setup();
    await applier.apply(allocation(attached), output([attach(n1), labelOn(n1, 0)]));
    expect(cluster.actions).toEqual(["label n1 ip.ready=true"]);
    expect(world.holderOf(IP)?.name).toBe("n1");
  });
});
