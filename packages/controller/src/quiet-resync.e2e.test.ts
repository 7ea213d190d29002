import { AppsV1Api } from "@kubernetes/client-node";
import { RecordingKubeConfig, waitFor } from "@ipac/testenv";
import { Harness } from "../test/e2e-harness.js";

const IPS = ["34.130.0.1", "34.130.0.2"];

// A resync that finds nothing changed writes nothing: over several resyncs of a converged allocation (nodes,
// workload pods running, IPs attached) the only writes the controller sends are the Lease's renewals.
describe("steady state: resyncs with nothing changed", () => {
  const h = new Harness(`quiet-${Date.now().toString(36)}`);
  const name = `${h.prefix}-app`;

  beforeAll(async () => {
    await h.setUp();
    await h.addNodes(["a", "b", "c"]);
    h.reserve(IPS);
    await h.createDeployment(name, 2);
  });

  afterAll(async () => {
    await h.kc.makeApiClient(AppsV1Api).deleteNamespacedDeployment({ namespace: "default", name });
    await h.tearDown();
  });

  it("sends no write but the Lease's, changes no resourceVersion, records no Event, reads the cloud once per interval", async () => {
    const kubeConfig = new RecordingKubeConfig(h.kc);
    const cloud = h.provider();
    await h.startController(`${h.prefix}-0`, cloud, { kubeConfig });
    await h.createAllocation(name, {
      reservedIPs: IPS,
      reconcileInterval: 5,
      workloadRef: { kind: "Deployment", name, namespace: "default" },
    });
    await h.waitConverged(name, IPS);
    await waitFor("workload pods running on the IP nodes", async () => {
      const pods = await h.runningPods(name);
      const holders = Object.values(h.holders(IPS));
      return pods.length === 2 && pods.every((p) => holders.includes(p.node)) ? true : undefined;
    });
    // One resync after convergence (anything left over from converging is written by then).
    const readsAtConverged = cloud.calls.describeAddresses;
    await waitFor("a resync", () => (cloud.calls.describeAddresses > readsAtConverged ? true : undefined));

    const writes = () => kubeConfig.writes("/leases/");
    const leaseWrites = () => kubeConfig.writes().length - writes().length;
    const eventCount = async () => (await h.events(name)).reduce((sum, event) => sum + (event.count ?? 1), 0);
    const before = {
      writes: writes(),
      resourceVersion: (await h.allocation(name)).metadata.resourceVersion,
      events: await eventCount(),
      reads: cloud.calls.describeAddresses,
      holders: h.holders(IPS),
      at: Date.now(),
      leaseWrites: leaseWrites(),
    };
    await waitFor("three more resyncs", () => (cloud.calls.describeAddresses >= before.reads + 3 ? true : undefined), {
      timeoutMs: 40_000,
    });
    const elapsedIntervals = (Date.now() - before.at) / 5_000;

    expect(writes()).toEqual(before.writes);
    expect((await h.allocation(name)).metadata.resourceVersion).toBe(before.resourceVersion);
    expect(await eventCount()).toBe(before.events);
    expect(cloud.calls.describeAddresses - before.reads).toBeLessThanOrEqual(Math.ceil(elapsedIntervals) + 1);
    // The Lease was renewed meanwhile: the recording sees the controller's requests.
    expect(leaseWrites()).toBeGreaterThan(before.leaseWrites);
    expect(h.holders(IPS)).toEqual(before.holders);
    // Converging wrote labels and the status through the same recording.
    expect(before.writes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^PATCH .*\/nodes\//), expect.stringMatching(/\/status$/)]),
    );
  });
});
