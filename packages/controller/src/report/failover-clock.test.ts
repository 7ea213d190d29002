import { NOW, input, node } from "../../test/decide-scenarios.js";
import { FailoverClock } from "./failover-clock.js";

const IP = "10.0.0.1";
const labelled = (name: string, overrides: Parameters<typeof node>[1] = {}) =>
  node(name, { ...overrides, labels: { role: "public", "topology.kubernetes.io/zone": "z1", "ip.ready": "true" } });

describe("FailoverClock", () => {
  it("measures a drain from the first pass that saw the node cordoned to the pass that saw the IP labelled elsewhere", () => {
    const clock = new FailoverClock();
    expect(clock.update(input({ nodes: [labelled("a"), node("b")], holdings: { [IP]: "a" }, now: NOW }))).toEqual([]);
    const cordoned = labelled("a", { unschedulable: true });
    // Still cordoned and holding it (pods running): the clock keeps its first start.
    expect(clock.update(input({ nodes: [cordoned, node("b")], holdings: { [IP]: "a" }, now: NOW + 100 }))).toEqual([]);
    expect(clock.update(input({ nodes: [cordoned, node("b")], holdings: { [IP]: "a" }, now: NOW + 900 }))).toEqual([]);
    // Detached: on no node.
    expect(clock.update(input({ nodes: [node("a", { unschedulable: true }), node("b")], now: NOW + 1_200 }))).toEqual(
      [],
    );
    // Attached to b, not yet labelled: not done.
    expect(clock.update(input({ nodes: [node("b")], holdings: { [IP]: "b" }, now: NOW + 1_500 }))).toEqual([]);
    expect(clock.update(input({ nodes: [labelled("b")], holdings: { [IP]: "b" }, now: NOW + 1_700 }))).toEqual([1.6]);
    // Measured once.
    expect(clock.update(input({ nodes: [labelled("b")], holdings: { [IP]: "b" }, now: NOW + 5_000 }))).toEqual([]);
  });

  it("counts a NotReady node from the first pass that saw it NotReady, grace period included", () => {
    const clock = new FailoverClock();
    const failing = labelled("a", { ready: "Unknown", readySince: NOW });
    clock.update(input({ nodes: [failing, node("b")], holdings: { [IP]: "a" }, now: NOW + 200 }));
    clock.update(input({ nodes: [failing, node("b")], holdings: { [IP]: "a" }, now: NOW + 31_000 }));
    expect(
      clock.update(input({ nodes: [failing, labelled("b")], holdings: { [IP]: "b" }, now: NOW + 33_200 })),
    ).toEqual([33]);
  });

  it("does not count a first attach, nor an IP whose node became eligible again", () => {
    const clock = new FailoverClock();
    clock.update(input({ nodes: [node("a")], now: NOW }));
    expect(clock.update(input({ nodes: [labelled("a")], holdings: { [IP]: "a" }, now: NOW + 500 }))).toEqual([]);
    clock.update(input({ nodes: [labelled("a", { unschedulable: true })], holdings: { [IP]: "a" }, now: NOW + 1_000 }));
    clock.update(input({ nodes: [labelled("a")], holdings: { [IP]: "a" }, now: NOW + 2_000 }));
    expect(clock.update(input({ nodes: [labelled("b")], holdings: { [IP]: "b" }, now: NOW + 3_000 }))).toEqual([]);
  });
});
