import { decide } from "./decide.js";
import {
  NOW,
  cloudWrites,
  input,
  labelWrites,
  node,
  pod,
  applyActions,
  type Scenario,
} from "../../test/decide-scenarios.js";

const ips3 = { reservedIPs: ["10.0.0.1", "10.0.0.2", "10.0.0.3"] };
const run = (s: Scenario) => decide(input(s));
const reasons = (s: Scenario) => run(s).events.map((e) => e.reason);

describe("decide", () => {
  it("attaches unattached IPs to eligible nodes, labels them only after the attach, and reports Attaching", () => {
    const out = run({ spec: ips3, nodes: [node("a"), node("b"), node("c")] });
    expect(cloudWrites(out)).toEqual(["attach 10.0.0.1 a", "attach 10.0.0.2 b", "attach 10.0.0.3 c"]);
    for (const action of out.actions.filter((a) => a.type === "label")) {
      expect(action).toMatchObject({ set: true, after: expect.any(Number) });
      expect(out.actions[(action as { after: number }).after]).toMatchObject({ type: "attach", node: action.node });
    }
    expect(out.status.assignments?.map((a) => a.state)).toEqual(["Attaching", "Attaching", "Attaching"]);
    expect(out.status).toMatchObject({ reservedCount: 3, attachedCount: 0, unattachedCount: 3 });
    expect(out.requeueAfterMs).toBe(1000);
  });

  it("does nothing in a converged state and reports Ready (sticky)", () => {
    const nodes = [
      node("a", { labels: { role: "public", "ip.ready": "true" } }),
      node("b"),
      node("old", { createdAt: 0 }),
    ];
    const out = run({ nodes, holdings: { "10.0.0.1": "a" } });
    expect(out.actions).toEqual([]);
    expect(out.status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "True",
      reason: "AllAttached",
    });
    expect(out.status.assignments?.[0]).toMatchObject({ ip: "10.0.0.1", node: "a", state: "Attached" });
    expect(out.requeueAfterMs).toBe(30_000);
  });

  it.each([
    ["NotReady", { ready: "False" as const }],
    ["cordoned", { unschedulable: true }],
    ["being deleted", { deleting: true }],
    ["tainted out-of-service", { taints: [{ key: "node.kubernetes.io/out-of-service", effect: "NoExecute" }] }],
    ["outside the selector", { labels: { role: "private" } }],
    ["without a providerID", { instance: { ok: false as const, reason: "node has no spec.providerID" } }],
  ])("never places an IP on a node that is %s", (_, overrides) => {
    const out = run({ nodes: [node("bad", overrides)] });
    expect(cloudWrites(out)).toEqual([]);
    expect(out.eligibleNodes).toBe(0);
  });

  it("keeps to the allowed zones", () => {
    const out = run({
      spec: { cloud: { provider: "gcp", zones: ["z2"] } },
      nodes: [node("a"), node("b", { zone: "z2" })],
    });
    expect(cloudWrites(out)).toEqual(["attach 10.0.0.1 b"]);
  });

  it("keeps a cordoned node's IP while workload pods run there, and moves it once they are gone", () => {
    const nodes = [node("a", { unschedulable: true, labels: { role: "public", "ip.ready": "true" } }), node("b")];
    const kept = run({ nodes, holdings: { "10.0.0.1": "a" }, pods: [pod("web-1", "a")] });
    expect(kept.actions).toEqual([]);
    expect(kept.status.assignments?.[0]?.message).toMatch(/kept while 1 workload pod/);
    const moved = run({ nodes, holdings: { "10.0.0.1": "a" } });
    expect(labelWrites(moved)).toEqual(["-a", "+b"]);
    expect(cloudWrites(moved)).toEqual(["detach 10.0.0.1 a", "attach 10.0.0.1 b"]);
    expect(moved.actions.findIndex((a) => a.type === "label" && !a.set)).toBe(0);
    // The move is under way: recorded as intent, counted once it lands.
    const attaching = moved.status.assignments?.[0];
    expect(attaching).toMatchObject({ node: "b", state: "Attaching", from: "a", moveReason: "node a is cordoned" });
    expect(attaching?.moves).toBeUndefined();
    const landed = run({ nodes, holdings: { "10.0.0.1": "b" }, previousStatus: moved.status });
    expect(landed.status.assignments?.[0]).toMatchObject({
      node: "b",
      state: "Attached",
      moves: 1,
      lastMoveReason: "node a is cordoned",
    });
    expect(landed.status.assignments?.[0]?.from).toBeUndefined();
  });

  it("counts a move once however many attempts it took, and two moves as two", () => {
    const nodes = [node("a", { unschedulable: true }), node("b"), node("c")];
    const first = run({ nodes, holdings: { "10.0.0.1": "a" } });
    // The attach failed after the detach: the IP is free, the next pass places it again, still the same move.
    const retried = run({ nodes, holdings: {}, previousStatus: first.status });
    expect(retried.status.assignments?.[0]).toMatchObject({ state: "Attaching", from: "a" });
    expect(retried.status.assignments?.[0]?.moves).toBeUndefined();
    const landed = run({ nodes, holdings: { "10.0.0.1": "b" }, previousStatus: retried.status });
    expect(landed.status.assignments?.[0]).toMatchObject({ moves: 1, lastMoveReason: "node a is cordoned" });
    const again = run({ nodes, holdings: { "10.0.0.1": "b" }, previousStatus: landed.status });
    expect(again.status.assignments?.[0]?.moves).toBe(1);
    const cordonedB = [node("a", { unschedulable: true }), node("b", { unschedulable: true }), node("c")];
    const second = run({ nodes: cordonedB, holdings: { "10.0.0.1": "b" }, previousStatus: again.status });
    const secondLanded = run({ nodes: cordonedB, holdings: { "10.0.0.1": "c" }, previousStatus: second.status });
    expect(secondLanded.status.assignments?.[0]).toMatchObject({ moves: 2, lastMoveReason: "node b is cordoned" });
  });

  it("moves atomically where the cloud can (AWS reassociation)", () => {
    const nodes = [node("a", { unschedulable: true }), node("b")];
    const out = run({ nodes, holdings: { "10.0.0.1": "a" }, supportsAtomicReassociate: true });
    expect(cloudWrites(out)).toEqual(["attach 10.0.0.1 b (reassociate)"]);
  });

  it("waits out the grace period of a NotReady node, then moves its IP", () => {
    const failing = node("a", { ready: "Unknown", readySince: NOW - 10_000 });
    const scenario = { nodes: [failing, node("b")], holdings: { "10.0.0.1": "a" } };
    const early = run(scenario);
    expect(early.actions).toEqual([]);
    expect(early.requeueAfterMs).toBe(20_000);
    const late = run({ ...scenario, now: NOW + 20_000 });
    expect(cloudWrites(late)).toEqual(["detach 10.0.0.1 a", "attach 10.0.0.1 b"]);
  });

  it("detaches an IP from the instance of a deleted node and re-places it", () => {
    const gone = node("gone");
    const out = run({
      nodes: [node("b")],
      holdings: { "10.0.0.1": "foreign:gone" },
      previousStatus: { assignments: [{ ip: "10.0.0.1", node: "gone", instance: gone.name, state: "Attached" }] },
    });
    expect(cloudWrites(out)).toEqual(["detach 10.0.0.1 gone", "attach 10.0.0.1 b"]);
  });

  it("leaves an IP held outside the cluster alone unless takeover is allowed", () => {
    const scenario = { nodes: [node("b")], holdings: { "10.0.0.1": "foreign:vpn-box" } };
    const out = run(scenario);
    expect(out.actions).toEqual([]);
    expect(out.status.assignments?.[0]).toMatchObject({ state: "Blocked", message: expect.stringMatching(/vpn-box/) });
    expect(reasons(scenario)).toContain("IPInUseElsewhere");
    const takeover = run({ ...scenario, spec: { allowForeignTakeover: true } });
    expect(cloudWrites(takeover)).toEqual(["detach 10.0.0.1 vpn-box", "attach 10.0.0.1 b"]);
  });

  it("reports an IP that is not reserved in the cloud", () => {
    const i = input({ nodes: [node("b")] });
    const out = decide({
      ...i,
      observations: { ok: true, addresses: new Map([["10.0.0.1", { ip: "10.0.0.1", reserved: false }]]) },
    });
    expect(out.actions).toEqual([]);
    expect(out.status.assignments?.[0]).toMatchObject({
      state: "Blocked",
      message: expect.stringMatching(/no reserved gcp address/),
    });
  });

  it("places deterministically: workload nodes first, then zone spread, then oldest, then name", () => {
    const nodes = [
      node("young-z1", { createdAt: 5 }),
      node("old-z1", { createdAt: 1 }),
      node("b-z2", { zone: "z2", createdAt: 3 }),
      node("a-z2", { zone: "z2", createdAt: 3 }),
      node("with-pods", { zone: "z1", createdAt: 9 }),
    ];
    const out = run({ spec: ips3, nodes, pods: [pod("web-1", "with-pods")] });
    expect(cloudWrites(out)).toEqual(["attach 10.0.0.1 with-pods", "attach 10.0.0.2 a-z2", "attach 10.0.0.3 old-z1"]);
    const shuffled = run({ spec: ips3, nodes: [...nodes].reverse(), pods: [pod("web-1", "with-pods")] });
    expect(cloudWrites(shuffled)).toEqual(cloudWrites(out));
  });

  it("reports NoEligibleNode and Degraded when nodes are fewer than IPs", () => {
    const out = run({ spec: ips3, nodes: [node("a")] });
    expect(cloudWrites(out)).toEqual(["attach 10.0.0.1 a"]);
    // One Event naming both IPs, not one per IP (the per-object Event budget is small).
    const noNode = out.events.filter((e) => e.reason === "NoEligibleNode");
    expect(noNode).toHaveLength(1);
    expect(noNode[0]?.message).toMatch(/no eligible node for 10.0.0.2, 10.0.0.3 \(1 eligible nodes\)/);
    expect(noNode[0]?.message).not.toMatch(/all holding IPs/);
    expect(out.status.conditions?.find((c) => c.type === "Degraded")).toMatchObject({
      status: "True",
      reason: "NoEligibleNode",
    });
    expect(run({ spec: ips3, nodes: [node("a")], previousStatus: out.status }).events).toEqual([]);
    expect(out.status.assignments?.[2]).toMatchObject({
      state: "Unattached",
      message: "no eligible node: every node the selector picks holds one of this allocation's IPs",
    });
  });

  it("says why the nodes the selector picks are not eligible, where an IP stays unattached", () => {
    const nodes = [
      node("no-id", { instance: { ok: false, reason: "node has no spec.providerID" } }),
      node("cordoned", { unschedulable: true }),
      node("other", {}),
      node("static", {}),
    ];
    const out = run({
      nodes,
      occupiedByOthers: new Map([["other", { allocation: "b", ip: "10.9.9.9" }]]),
      holdingOtherStaticIPs: new Set(["static"]),
    });
    expect(cloudWrites(out)).toEqual([]);
    const message = out.status.assignments?.[0]?.message ?? "";
    expect(message).toBe(
      "no eligible node: node cordoned is cordoned; node no-id: node has no spec.providerID; " +
        "node other holds 10.9.9.9 of b; and 1 more",
    );
    expect(out.status.conditions?.find((c) => c.type === "Ready")?.message).toContain("node no-id: node has no");
    expect(out.events.find((e) => e.reason === "NoEligibleNode")?.message).toContain("node cordoned is cordoned");
  });

  it("labels only nodes holding its IPs, and leaves nodes of other allocations alone", () => {
    const labelled = { role: "public", "ip.ready": "true" };
    const nodes = [node("a"), node("stale", { labels: labelled }), node("others", { labels: labelled })];
    const out = run({
      nodes,
      holdings: { "10.0.0.1": "a" },
      occupiedByOthers: new Map([["others", { allocation: "b", ip: "10.9.9.9" }]]),
    });
    expect(labelWrites(out)).toEqual(["+a", "-stale"]);
  });

  it("never uses a node that holds another allocation's IP", () => {
    const out = run({
      nodes: [node("a"), node("b")],
      occupiedByOthers: new Map([["a", { allocation: "x", ip: "1.1.1.1" }]]),
    });
    expect(cloudWrites(out)).toEqual(["attach 10.0.0.1 b"]);
  });

  it("never places an IP on a node whose instance holds a static IP that is not ours, and drops its stale label", () => {
    const out = run({
      nodes: [node("a", { labels: { role: "public", "ip.ready": "true" } }), node("b")],
      holdingOtherStaticIPs: new Set(["a"]),
    });
    expect(cloudWrites(out)).toEqual(["attach 10.0.0.1 b"]);
    expect(labelWrites(out)).toEqual(["+b", "-a"]);
  });

  it("evicts workload pods stranded on nodes without an IP, but not from a leaving node keeping its IP", () => {
    const nodes = [
      node("a", { labels: { role: "public", "ip.ready": "true" } }),
      node("b"),
      node("c", { unschedulable: true }),
    ];
    const out = run({
      spec: { reservedIPs: ["10.0.0.1", "10.0.0.2"] },
      nodes,
      holdings: { "10.0.0.1": "a", "10.0.0.2": "c" },
      pods: [pod("on-a", "a"), pod("on-b", "b"), pod("on-c", "c"), pod("pending", "b", { running: false })],
    });
    expect(out.actions.filter((a) => a.type === "evict")).toEqual([
      { type: "evict", pod: "on-b", namespace: "default", node: "b" },
    ]);
  });

  it("evicts nothing while no node holds an IP", () => {
    const out = run({ nodes: [node("a", { unschedulable: true })], pods: [pod("web", "a")] });
    expect(out.actions.filter((a) => a.type === "evict")).toEqual([]);
  });

  it("leaves an IP listed by an older allocation to it and reports Conflict", () => {
    const others = [{ name: "older", createdAt: NOW - 9_999_999, ips: ["10.0.0.1"] }];
    const out = run({ nodes: [node("a")], others });
    expect(out.actions).toEqual([]);
    expect(out.status.conditions?.find((c) => c.type === "Conflict")).toMatchObject({ status: "True" });
    expect(out.events.map((e) => e.reason)).toContain("Conflict");
    const younger = [{ name: "younger", createdAt: NOW, ips: ["10.0.0.1"] }];
    expect(cloudWrites(run({ nodes: [node("a")], others: younger }))).toEqual(["attach 10.0.0.1 a"]);
  });

  it("writes nothing while paused, and says so", () => {
    const out = run({ nodes: [node("a")], allocation: { paused: true } });
    expect(out.actions).toEqual([]);
    expect(out.status.conditions?.find((c) => c.type === "Paused")).toMatchObject({ status: "True" });
  });

  it("computes the same actions in dry-run, flagged so nothing is applied", () => {
    const out = run({ nodes: [node("a")], dryRun: true });
    expect(out.dryRun).toBe(true);
    expect(cloudWrites(out)).toEqual(["attach 10.0.0.1 a"]);
  });

  it("releases IPs and labels of a deleted allocation with deletionPolicy Release, and nothing with Retain", () => {
    const nodes = [node("a", { labels: { role: "public", "ip.ready": "true" } })];
    const deleting = { allocation: { deleting: true }, nodes, holdings: { "10.0.0.1": "a" } };
    const release = run({ ...deleting, spec: { deletionPolicy: "Release" } });
    expect(labelWrites(release)).toEqual(["-a"]);
    expect(cloudWrites(release)).toEqual(["detach 10.0.0.1 a"]);
    expect(release.released).toBe(false);
    expect(run({ ...deleting, spec: { deletionPolicy: "Release" }, holdings: {} }).released).toBe(true);
    const retain = run(deleting);
    expect(retain.actions).toEqual([]);
    expect(retain.released).toBe(true);
  });

  it("reports an invalid spec without acting", () => {
    const out = run({ nodes: [node("a")], spec: { reservedIPs: ["not-an-ip"] } });
    expect(out.actions).toEqual([]);
    expect(out.status.conditions?.find((c) => c.type === "InvalidSpec")).toMatchObject({ status: "True" });
    expect(out.events).toEqual([
      { type: "Warning", reason: "InvalidSpec", message: expect.stringMatching(/not-an-ip/) },
    ]);
  });

  it("warns once per generation about the deprecated deploymentRef", () => {
    const spec = { workloadRef: undefined, deploymentRef: { name: "web" } };
    expect(reasons({ nodes: [node("a")], spec })).toContain("DeprecatedField");
    expect(reasons({ nodes: [node("a")], spec, previousStatus: { observedGeneration: 1 } })).not.toContain(
      "DeprecatedField",
    );
  });

  it("reports a failed cloud read as a CloudError condition without acting", () => {
    const i = input({ nodes: [node("a")] });
    const out = decide({
      ...i,
      observations: { ok: false, error: { kind: "Permission", message: "compute.addresses.list denied" } },
    });
    expect(out.actions).toEqual([]);
    expect(out.status.conditions?.find((c) => c.type === "CloudError")).toMatchObject({
      status: "True",
      reason: "Permission",
    });
    expect(out.events[0]).toMatchObject({ reason: "CloudError" });
  });

  it("is never Ready while the cloud cannot be read, even if it was before", () => {
    const ready = run({ nodes: [node("a")], holdings: { "10.0.0.1": "a" } });
    expect(ready.status.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    const out = decide({
      ...input({ nodes: [node("a")], previousStatus: ready.status }),
      observations: { ok: false, error: { kind: "Transient", message: "503 backendError" } },
    });
    expect(out.status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "CloudUnreadable",
    });
    expect(out.status.conditions?.find((c) => c.type === "Degraded")).toMatchObject({ status: "True" });
    expect(out.status.conditions?.filter((c) => c.type === "Ready")).toHaveLength(1);
  });

  it.each([
    ["Permission", "PermissionDenied"],
    ["Configuration", "ConfigurationError"],
    ["RateLimited", "Throttled"],
    ["Transient", "AttachFailed"],
    ["Unknown", "AttachFailed"],
  ])("says a failing %s attach is stuck: Degraded %s, not Ready, and why in the assignment", (kind, reason) => {
    const failure = {
      action: "attach" as const,
      node: "a",
      kind,
      text: `attach 10.0.0.1 to node a failed: ${kind} (403): denied`,
      retryAt: NOW + 30_000,
    };
    const out = run({ nodes: [node("a")], writeFailures: new Map([["10.0.0.1", failure]]) });
    expect(out.status.conditions?.find((c) => c.type === "Degraded")).toMatchObject({ status: "True", reason });
    expect(out.status.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "False", reason });
    expect(out.status.assignments?.[0]?.message).toMatch(/attach 10.0.0.1 to node a failed: .* next try at 2026-/);
  });

  it("treats a node whose instance the cloud does not find as gone: label off, its IP placed elsewhere", () => {
    const missing = node("a", { instanceMissing: true, labels: { role: "public", "ip.ready": "true" } });
    const out = run({ nodes: [missing, node("b")] });
    expect(cloudWrites(out)).toEqual(["attach 10.0.0.1 b"]);
    expect(labelWrites(out)).toEqual(["+b", "-a"]);
    expect(out.status.conditions?.find((c) => c.type === "Degraded")).toMatchObject({
      status: "True",
      reason: "InstanceNotFound",
    });
  });

  it("warns once, with a Degraded reason, when the workload does not exist", () => {
    const out = run({ nodes: [node("a")], holdings: { "10.0.0.1": "a" }, workloadMissing: true });
    expect(out.events).toEqual([
      expect.objectContaining({
        reason: "WorkloadNotFound",
        message: expect.stringMatching(/Deployment default\/web/),
      }),
    ]);
    expect(out.status.conditions?.find((c) => c.type === "Degraded")).toMatchObject({ reason: "WorkloadNotFound" });
    const again = run({
      nodes: [node("a")],
      holdings: { "10.0.0.1": "a" },
      workloadMissing: true,
      previousStatus: out.status,
    });
    expect(again.events).toEqual([]);
  });

  it("treats a paused annotation that is neither true nor false as paused, and says so", () => {
    const out = run({ nodes: [node("a")], allocation: { paused: true, invalidPauseValue: "yes" } });
    expect(out.actions).toEqual([]);
    expect(out.status.conditions?.find((c) => c.type === "Paused")).toMatchObject({
      status: "True",
      reason: "InvalidAnnotation",
    });
    expect(out.events.map((e) => e.reason)).toContain("InvalidAnnotation");
  });

  it("names the region it searched for an address it did not find", () => {
    const i = input({ nodes: [node("a")], spec: { cloud: { provider: "gcp", region: "us-east1" } } });
    const out = decide({ ...i, observations: { ok: true, addresses: new Map() } });
    expect(out.status.assignments?.[0]?.message).toBe("no reserved gcp address 10.0.0.1 found in region us-east1");
  });

  it("does not move an IP twice within the cool-off, unless its node is gone", () => {
    const previousStatus = {
      assignments: [
        {
          ip: "10.0.0.1",
          node: "a",
          state: "Attached" as const,
          since: new Date(NOW - 5_000).toISOString(),
          lastMoveReason: "x",
          moves: 1,
        },
      ],
    };
    const scenario = {
      spec: { moveCooldownSeconds: 60, reconcileInterval: 300 },
      previousStatus,
      holdings: { "10.0.0.1": "a" },
    };
    const cordoned = run({ ...scenario, nodes: [node("a", { unschedulable: true }), node("b")] });
    expect(cordoned.actions).toEqual([]);
    expect(cordoned.requeueAfterMs).toBe(55_000);
    const deleted = run({ ...scenario, nodes: [node("a", { deleting: true }), node("b")] });
    expect(cloudWrites(deleted)).toEqual(["detach 10.0.0.1 a", "attach 10.0.0.1 b"]);
  });

  it("attaches a zonal IP only in its zone", () => {
    const i = input({ nodes: [node("a", { zone: "z1", createdAt: 0 }), node("b", { zone: "z2" })] });
    const out = decide({
      ...i,
      observations: {
        ok: true,
        addresses: new Map([["10.0.0.1", { ip: "10.0.0.1", reserved: true, zone: "z2" }]]),
      },
    });
    expect(cloudWrites(out)).toEqual(["attach 10.0.0.1 b"]);
  });

  it("converges: after applying its actions, the next decision has no cloud writes", () => {
    const scenario: Scenario = {
      spec: ips3,
      nodes: [node("a", { unschedulable: true }), node("b"), node("c"), node("d")],
      holdings: { "10.0.0.1": "a" },
    };
    const first = run(scenario);
    const next = applyActions(scenario, first.actions);
    const second = run({ ...next, previousStatus: first.status });
    expect(second.actions).toEqual([]);
    expect(second.status.attachedCount).toBe(3);
  });
});
