import { CoordinationV1Api, type KubeConfig } from "@kubernetes/client-node";
import { sharedControlPlane, waitFor } from "@ipac/testenv";
import { LeaderElector } from "./leader-elector.js";

const unique = () => `lease-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

describe("LeaderElector on a real Lease", () => {
  let kc: KubeConfig;
  const electors: LeaderElector[] = [];

  beforeAll(async () => {
    kc = (await sharedControlPlane()).kubeConfig;
  });

  afterEach(async () => {
    await Promise.all(electors.splice(0).map((e) => e.stop()));
  });

  function candidate(name: string, identity: string, releaseOnCancel = true) {
    const elector = new LeaderElector({
      kubeConfig: kc,
      namespace: "default",
      name,
      identity,
      leaseDurationSeconds: 3,
      renewDeadlineSeconds: 2,
      retryPeriodSeconds: 0.3,
      releaseOnCancel,
    });
    electors.push(elector);
    const state = {
      leading: false,
      started: 0,
      stopped: 0,
      leaders: [] as string[],
      signal: undefined as AbortSignal | undefined,
    };
    const done = elector.run({
      onStartedLeading: (signal) => {
        state.leading = true;
        state.started++;
        state.signal = signal;
      },
      onStoppedLeading: () => {
        state.leading = false;
        state.stopped++;
      },
      onNewLeader: (id) => state.leaders.push(id),
    });
    return { elector, state, done };
  }

  it("elects exactly one leader; the other follows and sees it", async () => {
    const name = unique();
    const a = candidate(name, "a");
    const b = candidate(name, "b");
    await waitFor("a leader", () => (a.state.leading || b.state.leading ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect([a.state.leading, b.state.leading].filter(Boolean)).toHaveLength(1);
    expect([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean)).toHaveLength(1);
    const leader = a.state.leading ? "a" : "b";
    await waitFor("follower sees the leader", () =>
      (a.state.leading ? b : a).state.leaders.includes(leader) ? true : undefined,
    );
    // MicroTime fields round-trip with microsecond precision.
    const lease = await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name, namespace: "default" });
    expect(lease.spec?.holderIdentity).toBe(leader);
    expect(String(lease.spec?.renewTime)).toMatch(/\.\d{6}Z$/);
  });

  it("hands over quickly when the leader stops and releases", async () => {
    const name = unique();
    const a = candidate(name, "a");
    await waitFor("a leads", () => (a.state.leading ? true : undefined));
    const b = candidate(name, "b");
    const stoppedAt = Date.now();
    await a.elector.stop();
    await a.done;
    expect(a.state.stopped).toBe(1);
    expect(a.state.signal?.aborted).toBe(true);
    await waitFor("b leads", () => (b.state.leading ? true : undefined));
    expect(Date.now() - stoppedAt).toBeLessThan(2_500);
  });

  it("takes over after the lease duration when the leader dies without releasing", async () => {
    const name = unique();
    const a = candidate(name, "a", false);
    await waitFor("a leads", () => (a.state.leading ? true : undefined));
    const b = candidate(name, "b");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(b.state.leading).toBe(false);
    const diedAt = Date.now();
    await a.elector.stop();
    await waitFor("b leads", () => (b.state.leading ? true : undefined), { timeoutMs: 10_000 });
    const handover = Date.now() - diedAt;
    expect(handover).toBeGreaterThanOrEqual(2_000);
    expect(handover).toBeLessThan(6_000);
  });

  it("steps down at once when its Lease is taken by someone else", async () => {
    const name = unique();
    const a = candidate(name, "a");
    await waitFor("a leads", () => (a.state.leading ? true : undefined));
    const api = kc.makeApiClient(CoordinationV1Api);
    const lease = await api.readNamespacedLease({ name, namespace: "default" });
    await api.replaceNamespacedLease({
      name,
      namespace: "default",
      body: { ...lease, spec: { ...lease.spec, holderIdentity: "intruder", leaseDurationSeconds: 60 } },
    });
    await waitFor("a steps down", () => (!a.state.leading ? true : undefined), { timeoutMs: 3_000 });
    expect(a.elector.isLeader()).toBe(false);
    expect(a.state.signal?.aborted).toBe(true);
  });
});
