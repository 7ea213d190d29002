import type { RequestRecord } from "@ipac/cloud-sim";
import { checkExits, checkLeaseFencing, convergenceProblems, type LeaseRecord } from "./invariants.js";
import { LoopTicks } from "./loop-ticks.js";
import { schedule } from "./schedule.js";

const REPLICAS = ["r0", "r1"];
const DEADLINE = 4_000;
const lease = (holder: string, renewTime: number): LeaseRecord => ({
  holder,
  renewTime,
  seenAt: renewTime + 5,
  resourceVersion: `${holder}@${renewTime}`,
});
const write = (replica: string, at: number): RequestRecord => ({
  at,
  replica,
  front: "gcp",
  operation: "instances.addAccessConfig",
  write: true,
});
const fencing = (writes: RequestRecord[], leases: LeaseRecord[]) =>
  checkLeaseFencing(writes, leases, REPLICAS, DEADLINE, 150).map((v) => v.reason);

describe("I1: cloud writes inside the writer's lease", () => {
  it("accepts writes after a renew by the writer's process and before its renew deadline", () => {
    expect(fencing([write("r0", 1_000), write("r0", 4_900)], [lease("r0_abc", 900)])).toEqual([]);
  });

  it("flags a write past the renew deadline, before any lease, or after another replica took over", () => {
    expect(fencing([write("r0", 5_100)], [lease("r0_abc", 900)])).toEqual([
      "sent 4200 ms after its last renew (renew deadline 4000 ms)",
    ]);
    expect(fencing([write("r1", 1_000)], [lease("r0_abc", 900)])).toEqual(["no Lease version written by r1 before"]);
    expect(fencing([write("r0", 3_000)], [lease("r0_abc", 900), lease("r1_def", 2_000)])).toEqual([
      "r1_def held the lease since 1000 ms before",
    ]);
  });

  it("lets a foreign overwrite pass (not a writer) but not beyond the renew deadline, and ignores reads", () => {
    const leases = [lease("r0_abc", 900), lease("intruder", 1_000)];
    expect(fencing([write("r0", 3_000)], leases)).toEqual([]);
    expect(fencing([write("r0", 5_500), { ...write("r1", 9_000), write: false }], leases)).toHaveLength(1);
  });

  it("judges a write by the earliest time it may have been sent when the harness stamped it late", () => {
    const late = checkLeaseFencing([write("r0", 5_500)], [lease("r0_abc", 900)], REPLICAS, DEADLINE, 150, () => 4_000);
    expect(late).toEqual([]);
  });

  it("counts a restarted process of the same replica as that replica", () => {
    expect(fencing([write("r0", 8_000)], [lease("r0_abc", 900), lease("r1_x", 3_000), lease("r0_new", 7_000)])).toEqual(
      [],
    );
  });
});

describe("I4 and I3", () => {
  it("allows only the harness's signals and exit code 1 after lost leadership", () => {
    const exit = { at: 0, replica: "r0", code: 1, signal: null, byHarness: false, loggedLostLeadership: true };
    const crash = { ...exit, code: 2, loggedLostLeadership: false };
    const killed = { ...exit, code: null, signal: "SIGKILL", byHarness: true, loggedLostLeadership: false };
    expect(checkExits([exit, crash, killed, { ...exit, loggedLostLeadership: false }])).toEqual([
      crash,
      { ...exit, loggedLostLeadership: false },
    ]);
  });

  it("requires each IP with an eligible node attached and labelled, and a node without external IP reported", () => {
    const allocation = { name: "a", ips: ["ip1", "ip2"], eligibleNodes: ["n1", "n2"], reports: "" };
    const converged = { allocations: [allocation], holders: { ip1: "n1", ip2: "n2" }, labelled: ["n1", "n2"] };
    expect(convergenceProblems({ ...converged, withoutExternalIP: [] })).toEqual([]);
    expect(
      convergenceProblems({
        ...converged,
        holders: { ip1: "n1", ip2: "n9" },
        labelled: ["n1", "n3"],
        withoutExternalIP: ["n4"],
      }),
    ).toEqual([
      "a: ip2 not on an eligible node",
      "n3 labelled but holds no IP",
      "n4 has no external IP and no allocation reports it",
    ]);
    const reported = { ...allocation, reports: "node n4 has no external IP" };
    expect(convergenceProblems({ ...converged, allocations: [reported], withoutExternalIP: ["n4"] })).toEqual([]);
    // Fewer eligible nodes than IPs: only as many IPs as nodes can be attached.
    const short = { ...allocation, eligibleNodes: ["n1"] };
    expect(
      convergenceProblems({ allocations: [short], holders: { ip1: "n1" }, labelled: ["n1"], withoutExternalIP: [] }),
    ).toEqual([]);
  });
});

describe("schedule", () => {
  it("is a pure function of the seed, sorted, within the chaos phase, and differs between seeds", () => {
    const options = { chaosMs: 12_000, replicas: 3, nodes: 7 };
    const one = schedule(1, options);
    expect(schedule(1, options)).toEqual(one);
    expect(schedule(2, options)).not.toEqual(one);
    expect(one.map((e) => e.atMs)).toEqual([...one.map((e) => e.atMs)].sort((a, b) => a - b));
    expect(one.every((e) => e.atMs >= 0 && e.atMs < 12_000)).toBe(true);
    expect(one.length).toBeGreaterThan(6);
  });
});

describe("LoopTicks", () => {
  it("bounds a stamp by the last tick before it", () => {
    const ticks = new LoopTicks();
    for (const at of [100, 110, 120, 1_500]) ticks.tick(at);
    expect(ticks.earliest(1_400)).toBe(120);
    expect(ticks.earliest(115)).toBe(110);
    expect(ticks.earliest(50)).toBe(50);
    expect(ticks.earliest(2_000)).toBe(1_500);
  });
});
