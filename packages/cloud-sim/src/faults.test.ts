import { Faults } from "./faults.js";

describe("Faults", () => {
  it("fails the next N calls of an operation, then lets them through", async () => {
    const faults = new Faults();
    faults.failNext("op", "RequestLimitExceeded", 503, 2);
    const results = [];
    for (let i = 0; i < 3; i++) results.push((await faults.enter("op"))?.code);
    expect(results).toEqual(["RequestLimitExceeded", "RequestLimitExceeded", undefined]);
    expect(faults.calls.get("op")).toBe(3);
  });

  it("fails a share of calls at a given error rate", async () => {
    let n = 0;
    const faults = new Faults(() => [0.1, 0.9, 0.2, 0.8][n++ % 4]!);
    faults.errorRate("op", "InternalError", 500, 0.5);
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await faults.enter("op"))?.status);
    expect(codes).toEqual([500, undefined, 500, undefined]);
    faults.errorRate("op", "InternalError", 500, 0);
    expect(await faults.enter("op")).toBeUndefined();
  });
});

describe("Faults latency", () => {
  it("draws each call's latency from its operation's range, else from the range for every operation", () => {
    const draws = [0, 0.5, 1];
    let n = 0;
    const faults = new Faults(() => draws[n++ % 3]!);
    faults.latency({ minMs: 1_000, maxMs: 3_000 }, "slow");
    faults.latency({ minMs: 20 });
    expect([faults.delayOf("slow"), faults.delayOf("slow"), faults.delayOf("slow")]).toEqual([1_000, 2_000, 3_000]);
    expect(faults.delayOf("other")).toBe(20);
    faults.latency({ minMs: 0 });
    expect(faults.delayOf("other")).toBe(0);
    expect(faults.delayOf("slow")).toBeGreaterThanOrEqual(1_000);
  });
});

describe("Faults operation duration", () => {
  it("keeps asynchronous writes in progress for a time drawn from the range; none by default", () => {
    const draws = [0.25, 0.75];
    let n = 0;
    const faults = new Faults(() => draws[n++ % 2]!);
    expect(faults.nextOperationDuration()).toBe(0);
    faults.operationDuration({ minMs: 2_000, maxMs: 10_000 });
    expect([faults.nextOperationDuration(), faults.nextOperationDuration()]).toEqual([4_000, 8_000]);
    faults.operationDuration({ minMs: 500 });
    expect(faults.nextOperationDuration()).toBe(500);
  });
});
