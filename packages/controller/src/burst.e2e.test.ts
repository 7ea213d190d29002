import { ComputeFront } from "@ipac/cloud-sim";
import { freePort, waitFor } from "@ipac/testenv";
import { CoordinationV1Api } from "@kubernetes/client-node";
import { Harness, reconcileTotals } from "../test/e2e-harness.js";

// The burst of the issue is 200 cordons; kwok cannot keep 220 simulated nodes heartbeating on a loaded 2-core
// machine (they flap NotReady, which are real events), so the test burst is 50 of 60 nodes. `make bench` runs 200.
const NODES = Number(process.env.IPAC_BURST_NODES ?? 60);
const CORDONED = NODES - 10;
const ALLOCATIONS = 3;
const IPS_EACH = 2;

// A burst of cordons at once, with three allocations over the same nodes: the controller process (GCP) coalesces
// the node events (a few reconciles per allocation, not one per node) and moves the IPs to nodes the burst left
// uncordoned, keeping its 6 s lease all along (no leader change, no exit).
describe("a burst of cordons (controller process on GCP)", () => {
  const h = new Harness(`burst-${Date.now().toString(36)}`);
  const front = new ComputeFront(h.world, "proj");
  let metricsPort = 0;
  let controller: Awaited<ReturnType<Harness["spawnController"]>>;
  const lease = async () =>
    (
      await h.kc
        .makeApiClient(CoordinationV1Api)
        .readNamespacedLease({ name: `${h.prefix}-leader`, namespace: "default" })
    ).spec;
  const names = Array.from({ length: ALLOCATIONS }, (_, i) => `${h.prefix}-a${i}`);
  const ipsOf = (i: number) => Array.from({ length: IPS_EACH }, (_, j) => `34.122.${i}.${j + 1}`);
  const allIPs = names.flatMap((_, i) => ipsOf(i));

  const reconciles = () => reconcileTotals(metricsPort);

  beforeAll(async () => {
    await h.setUp();
    const { host, port } = await front.listen();
    const endpoint = `http://${host}:${port}`;
    metricsPort = await freePort();
    await h.addNodes(
      Array.from({ length: NODES }, (_, i) => `n${String(i).padStart(3, "0")}`),
      "us-west1-a",
    );
    controller = await h.spawnGcpController(endpoint, metricsPort);
  });

  afterAll(async () => {
    await front.close();
    await h.tearDown();
  });

  it("reconciles each allocation a few times and moves the IPs to the nodes the burst spared, keeping its lease", async () => {
    h.reserve(allIPs, "gcp", "us-west1");
    for (const [i, name] of names.entries())
      await h.createAllocation(name, { reservedIPs: ipsOf(i), cloud: { provider: "gcp", region: "us-west1" } });
    await waitFor("all IPs attached", () => (allIPs.every((ip) => h.holders(allIPs)[ip]) ? true : undefined), {
      timeoutMs: 60_000,
    });
    const holders = new Set(Object.values(h.holders(allIPs)).filter((n) => n !== undefined));
    // The burst: every holder and other nodes, in one go; 10 nodes stay schedulable.
    const all = Array.from({ length: NODES }, (_, i) => h.nodeName(`n${String(i).padStart(3, "0")}`));
    const burst = [...holders, ...all.filter((n) => !holders.has(n))].slice(0, CORDONED);
    const spared = new Set(all.filter((n) => !burst.includes(n)));
    const leaseBefore = await lease();
    const before = await reconciles();
    const callsBefore = front.ledger.requests.length;
    const started = Date.now();
    await Promise.all(burst.map((node) => h.nodes.cordon(node)));
    const burstMs = Date.now() - started;
    await waitFor(
      "every IP on a spared node",
      () => (allIPs.every((ip) => spared.has(h.holders(allIPs)[ip] ?? "")) ? true : undefined),
      { timeoutMs: 60_000 },
    );
    const convergedMs = Date.now() - started;
    // 5 s more: the confirm passes, and the unschedulable taints the node controller adds seconds later (ignored).
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const after = await reconciles();
    const perAllocation = names.map((name) => (after.get(name) ?? 0) - (before.get(name) ?? 0));
    const moves = h.world.history.filter((e) => e.op === "attach" && e.at >= started && allIPs.includes(e.ip ?? ""));
    const calls = front.ledger.requests.length - callsBefore;
    console.log(
      `${CORDONED} cordons sent in ${burstMs} ms: IPs on spared nodes after ${convergedMs} ms; reconciles per allocation ${perAllocation.join(", ")} in ${Math.round((Date.now() - started) / 1000)} s; ${moves.length} attaches for ${allIPs.length} IPs; ${calls} cloud calls`,
    );
    // An IP moved at the burst's start may land on a node whose cordon was still on its way: that one moves
    // twice. Never more, and never onto a node the cache already showed cordoned.
    expect(moves.length).toBeLessThanOrEqual(2 * allIPs.length);
    // At most 2 per second from events (the 500 ms coalescing) over the measured window, plus the passes that
    // confirm a move: not one per cordoned node.
    const windowSeconds = (Date.now() - started) / 1000;
    for (const count of perAllocation) expect(count).toBeLessThanOrEqual(2 * windowSeconds + 6);
    for (const count of perAllocation) expect(count).toBeLessThan(CORDONED);
    expect(h.world.ipsOnTwoInstances()).toEqual([]);
    // The leader kept its lease through start-up and the burst.
    const leaseAfter = await lease();
    expect(controller.child.exitCode).toBeNull();
    expect(leaseAfter?.holderIdentity).toBe(leaseBefore?.holderIdentity);
    expect(leaseAfter?.leaseTransitions ?? 0).toBe(leaseBefore?.leaseTransitions ?? 0);
    expect(leaseAfter?.leaseTransitions ?? 0).toBe(0);
  });
});
