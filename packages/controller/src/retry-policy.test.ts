import { RetryPolicy } from "./retry-policy.js";

describe("RetryPolicy", () => {
  let now = 0;
  const policy = () => new RetryPolicy<string>(() => now, 1_000, 8_000);
  const transient = { permanent: false, intervalMs: 30_000 };
  beforeEach(() => (now = 0));

  it("backs off exponentially per key up to the cap, and forgets on success", () => {
    const p = policy();
    const delays = [1, 2, 3, 4, 5].map(() => {
      const at = p.failed("a/ip/1", transient, "x");
      const delay = at - now;
      now = at;
      return delay;
    });
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
    p.succeeded("a/ip/1");
    expect(p.failed("a/ip/1", transient, "x") - now).toBe(1_000);
  });

  it("waits at least the Retry-After the other side asked for", () => {
    const p = policy();
    expect(p.failed("k", { ...transient, retryAfterMs: 5_000 }, "x")).toBe(5_000);
    now = 5_000;
    expect(p.failed("k", { ...transient, retryAfterMs: 500 }, "x")).toBe(7_000);
  });

  it("retries a permanent failure only at the reconcile interval", () => {
    const p = policy();
    expect(p.failed("k", { permanent: true, intervalMs: 30_000 }, "denied")).toBe(30_000);
  });

  it("holds a key until its time, then lets it be tried (and keeps its failure until success)", () => {
    const p = policy();
    p.failed("a/ip/1", transient, "attach failed");
    expect(p.waiting("a/ip/1")).toMatchObject({ failures: 1, detail: "attach failed" });
    now = 1_000;
    expect(p.waiting("a/ip/1")).toBeUndefined();
    expect(p.under("a/ip/").get("1")).toMatchObject({ detail: "attach failed" });
  });

  it("lists, times and forgets the keys of one allocation only", () => {
    const p = policy();
    p.failed("a/ip/1", transient, "1");
    now = 100;
    p.failed("a/ip/2", transient, "2");
    p.failed("b/ip/1", transient, "3");
    expect([...p.under("a/ip/").keys()]).toEqual(["1", "2"]);
    expect(p.nextRetryAt("a/")).toBe(1_000);
    now = 1_050; // a/ip/1 is due: the next retry to come is a/ip/2's, never one in the past (a busy loop)
    expect(p.nextRetryAt("a/")).toBe(1_100);
    p.forget("a/");
    expect(p.under("a/").size).toBe(0);
    expect(p.under("b/").size).toBe(1);
  });

  it("drops the keys that were due and not tried again, keeps those still waiting", () => {
    const p = policy();
    p.failed("a/evict/default/web-0", transient, "blocked");
    now = 500;
    p.failed("a/ip/1", transient, "attach failed");
    now = 1_200; // the eviction was due, nobody tried it (its pod is gone); the IP waits until 1 500
    p.dropDue("a/");
    expect([...p.under("a/").keys()]).toEqual(["ip/1"]);
  });
});
