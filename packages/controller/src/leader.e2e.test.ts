import { CoordinationV1Api, V1MicroTime } from "@kubernetes/client-node";
import { waitFor } from "@ipac/testenv";
import { Harness } from "../test/e2e-harness.js";

const IPS = ["192.0.2.10", "192.0.2.11"];

describe("controller replicas and leader election", () => {
  const h = new Harness(`ldr-${Date.now().toString(36)}`);
  const name = `${h.prefix}-app`;

  beforeAll(async () => {
    await h.setUp();
    await h.addNodes(["a", "b", "c", "d"]);
    h.reserve(IPS);
  });

  afterAll(async () => {
    await h.deleteAllocation(name).catch(() => undefined);
    await h.tearDown();
  });

  it("lets one replica write; a leader killed between detach and attach hands over and the next one converges", async () => {
    const firstProvider = h.provider("replica-1");
    // Killed processes neither release the lease nor finish their reconcile.
    const first = await h.startController("replica-1", firstProvider, { releaseOnStop: false, shutdownTimeoutMs: 0 });
    await waitFor("replica-1 leads", () => (first.isLeader() ? true : undefined));
    const secondProvider = h.provider("replica-2");
    const second = await h.startController("replica-2", secondProvider);
    await h.createAllocation(name, { reservedIPs: IPS });
    const holders = await h.waitConverged(name, IPS);
    expect(second.isLeader()).toBe(false);
    expect(new Set(h.world.history.map((e) => e.actor))).toEqual(new Set(["replica-1"]));
    // The standby writes nothing; it only warms its cloud adapter up with one read, to take over faster.
    // (Only reads of this allocation's IPs count: the shared control plane may hold other files' allocations.)
    expect(secondProvider.calls).toMatchObject({ attach: 0, detach: 0 });
    expect(secondProvider.reads.filter((ips) => ips.includes(IPS[0]!))).toEqual([IPS]);

    // Freeze replica-1 inside the move of one IP: after its detach, before its attach (GCP moves in two steps).
    const [ip, from] = Object.entries(holders)[0]!;
    let release!: (error: Error) => void;
    firstProvider.beforeWrite = (operation, target) =>
      operation === "attach" && target === ip ? new Promise<void>((_, reject) => (release = reject)) : undefined;
    await h.nodes.cordon(from);
    await waitFor("replica-1 frozen after its detach", () => (release !== undefined ? true : undefined));
    expect(h.world.holderOf(ip)).toBeUndefined();

    const killedAt = Date.now();
    await first.stop();
    await waitFor("replica-2 leads", () => (second.isLeader() ? true : undefined), { timeoutMs: 15_000 });
    const handoverMs = Date.now() - killedAt;
    const converged = await h.waitConverged(name, IPS);
    const convergedMs = Date.now() - killedAt;
    console.log(
      `leader killed mid-move: handover after ${handoverMs} ms (lease 4 s), converged after ${convergedMs} ms`,
    );
    // Within about two lease durations even on a loaded 2-core machine (the figure printed above is the measure).
    expect(handoverMs).toBeLessThan(2 * 4_000 + 1_000);
    expect(converged[ip]).not.toBe(from);
    expect(h.world.ipsOnTwoInstances()).toEqual([]);
    expect(secondProvider.calls.attach).toBeGreaterThan(0);

    // The frozen ex-leader wakes up: its write fails, and it writes nothing more.
    const writesBefore = h.world.history.length;
    release(new Error("process was killed"));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(h.world.history.slice(writesBefore).filter((e) => e.actor === "replica-1")).toEqual([]);
    await h.nodes.uncordon(from);
  });
});

describe("a replica that lost its lease", () => {
  const h = new Harness(`lost-${Date.now().toString(36)}`);

  beforeAll(() => h.setUp());
  afterAll(() => h.tearDown());

  it("stops for good: it never campaigns again, even once the lease is free", async () => {
    const leases = h.kc.makeApiClient(CoordinationV1Api);
    const leaseName = `${h.prefix}-leader`;
    const replica = await h.startController("replica-3", h.provider("replica-3"));
    await waitFor("replica-3 leads", () => (replica.isLeader() ? true : undefined));

    // Another holder takes the lease over (as after a partition longer than the lease).
    const lease = await leases.readNamespacedLease({ name: leaseName, namespace: "default" });
    await leases.replaceNamespacedLease({
      name: leaseName,
      namespace: "default",
      body: {
        metadata: { name: leaseName, namespace: "default", resourceVersion: lease.metadata?.resourceVersion },
        spec: { ...lease.spec, holderIdentity: "intruder", renewTime: new V1MicroTime(Date.now()) },
      },
    });
    await replica.lostLeadership;
    expect(replica.isLeader()).toBe(false);

    // The lease is free again: the replica that lost it stays out (production exits and restarts fresh).
    await leases.deleteNamespacedLease({ name: leaseName, namespace: "default" });
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // three retry periods of 0.5 s
    await expect(leases.readNamespacedLease({ name: leaseName, namespace: "default" })).rejects.toMatchObject({
      code: 404,
    });
    expect(replica.isLeader()).toBe(false);
  });
});
