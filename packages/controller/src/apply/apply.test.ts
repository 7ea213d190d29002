import { API_VERSION, KIND, type NetIPAllocation, type NetIPAllocationStatus } from "@ipac/api";
import { OPEN_FENCE } from "@ipac/cloud";
import { InMemoryCloudProvider, World } from "@ipac/cloud-sim";
import { pino } from "pino";
import { node } from "../../test/decide-scenarios.js";
import { RecordingClusterWriter } from "../../test/recording-cluster-writer.js";
import type { Action, DecideOutput } from "../decide/index.js";
import { FailureLog } from "../failure-log.js";
import { ControllerMetrics } from "../metrics.js";
import { MissingInstances } from "../missing-instances.js";
import { NodeClaims } from "../node-claims.js";
import { RetryPolicy } from "../retry-policy.js";
import { Applier, retryKeys, type FailureDetail } from "./apply.js";

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
  let now = 1_000_000;
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const retry = new RetryPolicy<FailureDetail>(clock.now);
  const missing = new MissingInstances(clock.now);
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
    retry,
    missing,
    intervalMs: 30_000,
  });
  // The reconciler writes the final status after apply (with the retry state as it is then): so do these tests.
  const run = async (a: NetIPAllocation, o: DecideOutput) => {
    const result = await applier.apply(a, o);
    await applier.writeStatus(a, o.status);
    return result;
  };
  return { world, cloud, cluster, events, claims, applier, run, retry, missing, clock };
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
    nextCheckMs: 60_000,
    eligibleNodes: 2,
    released: false,
    ...overrides,
  };
}

describe("Applier", () => {
  it("attaches, then labels; the status names the target before the attach and is not written again unchanged", async () => {
    const { world, cluster, events, claims, run } = setup();
    const result = await run(allocation(), output([attach(n1), labelOn(n1, 0)]));
    expect(result).toEqual({ failedActions: 0, deferred: 0, attempted: 2 });
    expect(cluster.actions).toEqual(["status alloc", "label n1 ip.ready=true"]);
    expect(world.holderOf(IP)?.name).toBe("n1");
    expect(claims.claimedByOthers("another")).toEqual(new Map([["n1", { allocation: "alloc", ip: IP }]]));
    expect(events).toEqual([`Normal IPAttached: attached ${IP} to node n1`]);
  });

  it("writes nothing when there is nothing to do and the status is unchanged", async () => {
    const { cluster, cloud, run } = setup();
    await run(allocation(attached), output([]));
    expect(cluster.actions).toEqual([]);
    expect(cloud.calls).toEqual({ describeAddresses: 0, attach: 0, detach: 0 });
  });

  it("on a failed attach: skips the label that needed it, releases the node's claim, and backs the IP off", async () => {
    const { world, cloud, cluster, events, claims, run, retry } = setup();
    cloud.failNext("attach", "Transient");
    const result = await run(allocation(), output([attach(n1), labelOn(n1, 0)]));
    expect(result.failedActions).toBe(1);
    expect(result.retryable).toBeUndefined(); // the retry policy holds cloud failures, not the work queue
    expect(retry.waiting(retryKeys.ip("alloc", IP))?.detail).toMatchObject({ action: "attach", kind: "Transient" });
    expect(cluster.actions).toEqual(["status alloc"]);
    expect(world.holderOf(IP)).toBeUndefined();
    expect(claims.claimedByOthers("another").size).toBe(0);
    expect(events).toEqual([
      expect.stringMatching(/^Warning CloudError: attach 34.0.0.1 to node n1 failed: Transient/),
    ]);
  });

  it("sends nothing for an IP that waits for its retry, whatever asks, and tries again once it is due", async () => {
    const { cloud, cluster, run, clock } = setup();
    cloud.failNext("attach", "RateLimited", 1, 5_000);
    await run(allocation(), output([attach(n1), labelOn(n1, 0)]));
    for (const wait of [0, 1_000, 3_999]) {
      clock.advance(wait);
      const result = await run(allocation(), output([attach(n1), labelOn(n1, 0)]));
      expect(result).toMatchObject({ deferred: 2, failedActions: 0, attempted: 0 });
    }
    expect(cloud.calls.attach).toBe(1);
    clock.advance(1); // 5 s after the failure: the Retry-After has passed
    expect(await run(allocation(), output([attach(n1), labelOn(n1, 0)]))).toMatchObject({
      deferred: 0,
      failedActions: 0,
    });
    expect(cloud.calls.attach).toBe(2);
    expect(cluster.actions).toContain("label n1 ip.ready=true");
  });

  it("runs an independent chain when another one fails", async () => {
    const { cluster, cloud, run } = setup();
    cloud.failNext("attach", "Transient");
    const labelN2: Action = { type: "label", node: "n2", set: true };
    const result = await run(allocation(), output([attach(n1), labelOn(n1, 0), labelN2]));
    expect(result.failedActions).toBe(1);
    expect(cluster.actions).toContain("label n2 ip.ready=true");
    expect(cluster.actions).not.toContain("label n1 ip.ready=true");
  });

  it("waits the reconcile interval after a refusal that will be refused again", async () => {
    const { cloud, run, retry } = setup();
    cloud.failNext("attach", "Permission");
    const result = await run(allocation(), output([attach(n1)]));
    expect(result.failedActions).toBe(1);
    expect(retry.waiting(retryKeys.ip("alloc", IP))?.retryAt).toBe(1_000_000 + 30_000);
  });

  it("treats a target instance the cloud does not find as gone: marked missing, no backoff, look again soon", async () => {
    const { cloud, run, retry, missing, events } = setup();
    cloud.failNext("attach", "NotFound", 1, undefined, "instance");
    const result = await run(allocation(), output([attach(n1)]));
    expect(result).toMatchObject({ failedActions: 1, requeueSoon: true });
    expect(missing.has(instanceOf(n1).key)).toBe(true);
    expect(retry.waiting(retryKeys.ip("alloc", IP))).toBeUndefined();
    expect(events).toContainEqual(expect.stringMatching(/^Warning InstanceNotFound: node n1: instance n1 not found/));
  });

  it("does not count its own refusal (node just claimed) as a cloud error", async () => {
    const { claims, cloud, run, events, retry } = setup();
    claims.claim("n1", "other", "34.9.9.9");
    const result = await run(allocation(), output([attach(n1)]));
    expect(result).toMatchObject({ failedActions: 1, requeueSoon: true });
    expect(cloud.calls.attach).toBe(0);
    expect(events).toEqual([]);
    expect(retry.under("alloc/").size).toBe(0);
  });

  it("backs off an eviction a PodDisruptionBudget refuses, says which budget, and retries a failed label", async () => {
    const { cluster, run, events, retry } = setup();
    const body = {
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: {
        causes: [
          {
            reason: "DisruptionBudget",
            message: "The disruption budget web-pdb needs 1 healthy pods and has 1 currently",
          },
        ],
      },
    };
    cluster.fail("evict default/web-0", Object.assign(new Error("Too Many Requests"), { code: 429, body }));
    const evict: Action = { type: "evict", pod: "web-0", namespace: "default", node: "n2" };
    const evicted = await run(allocation(attached), output([evict]));
    expect(evicted).toEqual({ failedActions: 1, deferred: 0, attempted: 1 });
    expect(events).toEqual([
      "Warning EvictionBlocked: eviction of pod default/web-0 from node n2 is blocked: PodDisruptionBudget web-pdb: The disruption budget web-pdb needs 1 healthy pods and has 1 currently",
    ]);
    expect(retry.waiting(retryKeys.evict("alloc", "default", "web-0"))).toBeDefined();
    expect(await run(allocation(attached), output([evict]))).toEqual({ failedActions: 0, deferred: 1, attempted: 0 });

    const refused = new Error("connection refused");
    cluster.fail("label n2 ip.ready=true", refused);
    const labelled = await run(allocation(attached), output([labelOn(n2)]));
    expect(labelled).toEqual({ failedActions: 1, deferred: 0, attempted: 1, retryable: refused });
  });

  it("repairs a node an interrupted attach left bare, unless an attach of this pass that runs serves it", async () => {
    const { cloud, applier, retry } = setup();
    const restored: string[] = [];
    // GCP's step: give the instance an ephemeral IP back (true: it had none).
    Object.assign(cloud, {
      restoreExternalIP: async (_scope: unknown, instance: { name: string }) => restored.push(instance.name) > 0,
    });
    const bare = [{ ip: IP, node: "n1", instance: instanceOf(n1) }];
    // The attach to n1 waits for its retry: n1 must not stay without an external IP meanwhile.
    const key = retryKeys.ip("alloc", IP);
    retry.failed(key, { permanent: false, intervalMs: 30_000 }, { action: "attach", kind: "Transient", text: "x" });
    await applier.apply(allocation(), output([attach(n1)]), bare);
    expect(restored).toEqual(["n1"]);
    expect(cloud.calls.attach).toBe(0);
    // Nothing waits: the attach itself gives n1 its IP, no restore first.
    retry.succeeded(key);
    await applier.apply(allocation(), output([attach(n1)]), bare);
    expect(restored).toEqual(["n1"]);
    expect(cloud.calls.attach).toBe(1);
  });

  it("in dry-run calls no cloud and writes no node or pod: only the status and 'would' Events", async () => {
    const { world, cloud, cluster, events, run } = setup();
    const result = await run(
      allocation(),
      output([attach(n1), labelOn(n1, 0), { type: "evict", pod: "web-0", namespace: "default", node: "n2" }], {
        dryRun: true,
      }),
    );
    expect(result).toEqual({ failedActions: 0, deferred: 0, attempted: 0 });
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
    const { world, cluster, run } = setup();
    await run(allocation(attached), output([attach(n1), labelOn(n1, 0)]));
    expect(cluster.actions).toEqual(["label n1 ip.ready=true"]);
    expect(world.holderOf(IP)?.name).toBe("n1");
  });
});
