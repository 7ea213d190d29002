import fc from "fast-check";
import { Registry } from "prom-client";
import { FakeClock } from "../../test/fake-clock.js";
import { WorkQueue } from "./queue.js";
import { BucketRateLimiter, ExponentialFailureRateLimiter, MaxOfRateLimiter } from "./rate-limiters.js";

const queue = (clock = new FakeClock(), registry?: Registry) =>
  new WorkQueue({
    name: "test",
    clock,
    rateLimiter: new ExponentialFailureRateLimiter(5, 1000),
    ...(registry ? { registry } : {}),
  });

/** Keys currently queued, without processing them. */
async function drainKeys(q: WorkQueue): Promise<string[]> {
  const keys: string[] = [];
  while (q.length > 0) {
    const key = (await q.get())!;
    keys.push(key);
    q.done(key);
  }
  return keys;
}

describe("WorkQueue", () => {
  it("deduplicates keys that are waiting", async () => {
    const q = queue();
    q.add("a");
    q.add("b");
    q.add("a");
    expect(await drainKeys(q)).toEqual(["a", "b"]);
  });

  it("never hands out a key being processed, and re-runs it once if added meanwhile", async () => {
    const q = queue();
    q.add("a");
    const first = await q.get();
    q.add("a");
    q.add("a");
    expect(q.length).toBe(0);
    q.done(first!);
    expect(await drainKeys(q)).toEqual(["a"]);
  });

  it("lets the earliest addAfter deadline win, and add() now beat a pending delay", async () => {
    const clock = new FakeClock();
    const q = queue(clock);
    q.addAfter("a", 100);
    q.addAfter("a", 500);
    clock.advance(100);
    expect(await drainKeys(q)).toEqual(["a"]);
    clock.advance(1000);
    expect(q.length).toBe(0);
    q.addAfter("b", 500);
    q.addAfter("b", 50);
    clock.advance(50);
    expect(await drainKeys(q)).toEqual(["b"]);
    q.addAfter("c", 500);
    q.add("c");
    expect(await drainKeys(q)).toEqual(["c"]);
    clock.advance(500);
    expect(q.length).toBe(0);
  });

  it("backs off exponentially per key, capped, and forget resets it", () => {
    const limiter = new ExponentialFailureRateLimiter(5, 1000);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map(() => limiter.when("k"))).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 1000]);
    expect(limiter.when("other")).toBe(5);
    expect(limiter.numRequeues("k")).toBe(9);
    limiter.forget("k");
    expect(limiter.when("k")).toBe(5);
  });

  it("limits the overall rate with a token bucket, combined with per-key backoff", () => {
    const clock = new FakeClock();
    const bucket = new BucketRateLimiter(10, 3, clock);
    expect([1, 2, 3, 4, 5].map(() => bucket.when())).toEqual([0, 0, 0, 100, 200]);
    clock.advance(1000);
    expect(bucket.when()).toBe(0);
    const combined = new MaxOfRateLimiter(
      new ExponentialFailureRateLimiter(5, 1000),
      new BucketRateLimiter(10, 1, clock),
    );
    expect(combined.when("a")).toBe(5);
    expect(combined.when("b")).toBe(100);
  });

  it("runs workers: retries failures with backoff, honours requeueAfter, forgets on success", async () => {
    const clock = new FakeClock();
    const q = queue(clock);
    const runs: string[] = [];
    let failures = 2;
    q.add("a");
    const running = q.run(
      async (key) => {
        runs.push(`${key}@${clock.now()}`);
        if (failures-- > 0) throw new Error("boom");
        return runs.length === 3 ? { requeueAfterMs: 1000 } : undefined;
      },
      { concurrency: 2 },
    );
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    await settle();
    clock.advance(5);
    await settle();
    clock.advance(10);
    await settle();
    expect(q.numRequeues("a")).toBe(0);
    clock.advance(1000);
    await settle();
    expect(runs).toEqual(["a@0", "a@5", "a@15", "a@1015"]);
    q.shutdown();
    await running;
  });

  it("drains in-flight work on shutdown and accepts nothing after", async () => {
    const q = queue();
    q.add("a");
    q.add("b");
    const key = await q.get();
    const drained = q.shutdownWithDrain();
    q.add("c");
    expect(await q.get()).toBeUndefined();
    let finished = false;
    void drained.then(() => (finished = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished).toBe(false);
    q.done(key!);
    await drained;
    expect(finished).toBe(true);
  });

  it("exposes controller-runtime's workqueue metrics", async () => {
    const registry = new Registry();
    const clock = new FakeClock();
    const q = queue(clock, registry);
    q.add("a");
    q.add("b");
    const key = await q.get();
    clock.advance(2000);
    q.addRateLimited("x");
    const text = await registry.metrics();
    expect(text).toContain('workqueue_depth{name="test"} 1');
    expect(text).toContain('workqueue_adds_total{name="test"} 2');
    expect(text).toContain('workqueue_retries_total{name="test"} 1');
    expect(text).toContain('workqueue_longest_running_processor_seconds{name="test"} 2');
    expect(text).toContain('workqueue_queue_duration_seconds_count{name="test"} 1');
    q.done(key!);
    expect(await registry.metrics()).toContain('workqueue_work_duration_seconds_count{name="test"} 1');
  });

  it("guarantees its invariants under random operations (property)", async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("add" as const), key: fc.constantFrom("a", "b", "c") }),
      fc.record({
        kind: fc.constant("addAfter" as const),
        key: fc.constantFrom("a", "b", "c"),
        ms: fc.integer({ min: 1, max: 50 }),
      }),
      fc.record({ kind: fc.constant("addRateLimited" as const), key: fc.constantFrom("a", "b", "c") }),
      fc.record({ kind: fc.constant("get" as const) }),
      fc.record({ kind: fc.constant("done" as const), index: fc.nat() }),
      fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 100 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const clock = new FakeClock();
        const q = queue(clock);
        const inFlight: string[] = [];
        /** Keys added since they were last handed out: each must be handed out again. */
        const owed = new Set<string>();
        const take = async () => {
          if (q.length === 0) return;
          const key = (await q.get())!;
          expect(inFlight).not.toContain(key);
          inFlight.push(key);
          owed.delete(key);
        };
        for (const o of ops) {
          if (o.kind === "add") {
            q.add(o.key);
            owed.add(o.key);
          } else if (o.kind === "addAfter") q.addAfter(o.key, o.ms);
          else if (o.kind === "addRateLimited") q.addRateLimited(o.key);
          else if (o.kind === "get") await take();
          else if (o.kind === "done" && inFlight.length > 0) q.done(inFlight.splice(o.index % inFlight.length, 1)[0]!);
          else if (o.kind === "advance") clock.advance(o.ms);
          expect(new Set(inFlight).size).toBe(inFlight.length);
        }
        // Finish everything: every key added must be handed out again, delayed ones after their deadline.
        for (const key of inFlight.splice(0)) q.done(key);
        clock.advance(10_000);
        while (q.length > 0) {
          await take();
          q.done(inFlight.pop()!);
          clock.advance(10_000);
        }
        expect([...owed]).toEqual([]);
        expect(clock.pending).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
