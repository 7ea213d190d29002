import type { KubeConfig, V1Lease } from "@kubernetes/client-node";
import { FakeClock } from "../../test/fake-clock.js";
import { LeaderElector, type LeaseClient } from "./leader-elector.js";

/** An in-memory Lease whose calls can be held in flight, to play the races a slow API server produces. */
class HeldLeases implements LeaseClient {
  lease?: V1Lease;
  private version = 0;
  /** While set, replace() waits for release() before it is applied and answered. */
  hold = false;
  private held: (() => void)[] = [];
  writes = 0;

  async read(): Promise<V1Lease> {
    if (!this.lease) throw Object.assign(new Error("not found"), { code: 404 });
    return structuredClone(this.lease);
  }

  async create(_namespace: string, lease: V1Lease): Promise<V1Lease> {
    return this.write(lease);
  }

  async replace(_namespace: string, _name: string, lease: V1Lease): Promise<V1Lease> {
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    if (lease.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion)
      throw Object.assign(new Error("conflict"), { code: 409 });
    return this.write(lease);
  }

  release(): void {
    this.hold = false;
    for (const resolve of this.held.splice(0)) resolve();
  }

  private write(lease: V1Lease): V1Lease {
    this.writes++;
    this.lease = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++this.version) } };
    return structuredClone(this.lease);
  }
}

/** Lets pending promise callbacks run (the fake clock drives only the elector's timers). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

async function advance(clock: FakeClock, ms: number, step = 100): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    clock.advance(Math.min(step, ms - done));
    await settle();
  }
}

function start(leases: HeldLeases, clock: FakeClock) {
  // Lease 6 s, renew deadline 4 s, retry 0.8 s: the controller's LEASE_DURATION=6.
  const elector = new LeaderElector({
    kubeConfig: {} as KubeConfig,
    namespace: "default",
    name: "lease",
    identity: "a",
    leaseDurationSeconds: 6,
    clock,
    leases,
  });
  const state = { started: 0, stopped: 0, signal: undefined as AbortSignal | undefined, ended: false };
  const done = elector
    .run({
      onStartedLeading: (signal) => {
        state.started++;
        state.signal = signal;
      },
      onStoppedLeading: () => state.stopped++,
    })
    .then(() => (state.ended = true));
  return { elector, state, done };
}

describe("LeaderElector (fake clock, held Lease calls)", () => {
  it("never leads again once stepped down: a renew answered after the step-down is ignored", async () => {
    const clock = new FakeClock();
    const leases = new HeldLeases();
    const { elector, state } = start(leases, clock);
    await settle();
    expect(state.started).toBe(1);
    expect(elector.isLeader()).toBe(true);

    // The API server stops answering renewals; the watchdog steps down at the renew deadline.
    leases.hold = true;
    await advance(clock, 4_100);
    expect(state.stopped).toBe(1);
    expect(state.signal?.aborted).toBe(true);
    expect(elector.isLeader()).toBe(false);

    // The renew that was in flight now succeeds: client-go's Run semantics say it does not count.
    leases.release();
    await advance(clock, 2_000);
    expect(state.started).toBe(1);
    expect(elector.isLeader()).toBe(false);
    expect(state.ended).toBe(true);
    const writesAfter = leases.writes;
    await advance(clock, 10_000);
    expect(leases.writes).toBe(writesAfter); // no further campaign
  });

  it("counts a renew's validity from when it was sent, not when it was answered", async () => {
    const clock = new FakeClock();
    const leases = new HeldLeases();
    const { elector } = start(leases, clock);
    await settle();
    leases.hold = true;
    await advance(clock, 900); // the renew at 0.8 s is now in flight
    await advance(clock, 1_500);
    leases.release(); // answered at 2.4 s
    await settle();
    expect(elector.isLeader()).toBe(true);
    leases.hold = true; // later renewals hang
    // Valid until 0.8 s + 4 s by its own clock, not 2.4 s + 4 s.
    await advance(clock, 4_800 - 2_400 - 100);
    expect(elector.isLeader()).toBe(true);
    await advance(clock, 200);
    expect(elector.isLeader()).toBe(false);
  });

  it("judges validity on the clock at the moment of asking, even when the watchdog could not run", async () => {
    const clock = new FakeClock();
    const leases = new HeldLeases();
    const { elector } = start(leases, clock);
    await settle();
    leases.hold = true;
    // A blocked event loop: time passes, no timer fires (the watchdog has not stepped down yet).
    clock.jump(3_900);
    expect(elector.isLeader()).toBe(true);
    clock.jump(100);
    expect(elector.isLeader()).toBe(false);
  });
});
