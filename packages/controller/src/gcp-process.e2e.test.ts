import { gceInstanceKey } from "@ipac/cloud";
import { ComputeFront } from "@ipac/cloud-sim";
import { waitFor } from "@ipac/testenv";
import { Harness, gcpProcessEnv } from "../test/e2e-harness.js";

const IPS = ["34.120.0.1", "34.120.0.2"];

// The controller process as in production on GCP: Application Default Credentials through the (simulated) GCE
// metadata server, the Compute API at GCP_COMPUTE_ENDPOINT; moves take two zonal Operations.
describe("controller process on GCP (cloud-sim Compute front)", () => {
  const h = new Harness(`gcp-${Date.now().toString(36)}`);
  const name = `${h.prefix}-app`;
  const front = new ComputeFront(h.world, "proj");
  let endpoint = "";

  const startProcess = (id: string) =>
    h.spawnController(
      id,
      {
        ...gcpProcessEnv(endpoint),
      },
      4,
    );

  /** The node's external IP as the Compute API shows it (the world model does not track a deleted access config). */
  const externalIP = async (node: string): Promise<string | undefined> => {
    const response = await fetch(`${endpoint}/compute/v1/projects/proj/zones/us-west1-a/instances/${node}`);
    const vm = (await response.json()) as { networkInterfaces?: { accessConfigs?: { natIP?: string }[] }[] };
    return vm.networkInterfaces?.[0]?.accessConfigs?.[0]?.natIP;
  };

  beforeAll(async () => {
    await h.setUp();
    const { host, port } = await front.listen();
    endpoint = `http://${host}:${port}`;
    await h.addNodes(["a", "b", "c", "d"], "us-west1-a");
    h.reserve(IPS, "gcp", "us-west1");
  });

  afterAll(async () => {
    await h.deleteAllocation(name).catch(() => undefined);
    await front.close();
    await h.tearDown();
  });

  it("attaches, moves a drained node's IP, and converges after the leader is killed between delete and add", async () => {
    const first = await startProcess(`${h.prefix}-0`);
    await h.createAllocation(name, { reservedIPs: IPS, cloud: { provider: "gcp", region: "us-west1" } });
    const holders = await h.waitConverged(name, IPS);
    expect(h.world.ipsOnTwoInstances()).toEqual([]);

    // Realistic operation latency for the move: a drain moves the IP through two zonal Operations.
    front.faults.operationDuration({ minMs: 300 });
    const [ip, from] = Object.entries(holders)[0]!;
    front.faults.calls.clear();
    const started = Date.now();
    await h.nodes.drain(from);
    await waitFor(`${ip} moved`, () => (h.holders(IPS)[ip] && h.holders(IPS)[ip] !== from ? true : undefined));
    const after = await h.waitConverged(name, IPS);
    console.log(
      `GCP move with 300 ms Operations: ${Date.now() - started} ms; calls ${JSON.stringify(Object.fromEntries(front.faults.calls))}`,
    );
    await h.nodes.uncordon(from);

    // Kill the leader right after its deleteAccessConfig finished, before its addAccessConfig.
    const [ip2, from2] = Object.entries(after)[1]!;
    let killedAt = 0;
    front.beforeOperation = (operation) => {
      if (operation !== "instances.addAccessConfig" || killedAt) return;
      killedAt = Date.now();
      first.child.kill("SIGKILL");
      throw new Error("the caller was killed");
    };
    await h.nodes.cordon(from2);
    await waitFor("leader killed mid-move", () => (killedAt ? true : undefined), { timeoutMs: 20_000 });
    front.beforeOperation = undefined;
    await first.exited;
    expect(h.world.holderOf(ip2)).toBeUndefined();
    // The status recorded the move's intent before its first cloud step: its target and the node it leaves.
    const intent = (await h.allocation(name)).status?.assignments?.find((a) => a.ip === ip2);
    expect(intent).toMatchObject({ state: "Attaching", from: from2 });
    const target = intent!.node!;
    // Killed between steps: the node it left (its ephemeral IP not yet given back) or the target (its
    // ephemeral IP deleted, the static one not yet added) has no external IP now.
    expect([await externalIP(from2), await externalIP(target)]).toContain(undefined);
    // The target is cordoned before a successor starts: the successor places the IP elsewhere and must repair.
    await h.nodes.cordon(target);
    await startProcess(`${h.prefix}-1`);
    await waitFor(
      `${ip2} attached again`,
      () => (h.holders(IPS)[ip2] && ![from2, target].includes(h.holders(IPS)[ip2]!) ? true : undefined),
      { timeoutMs: 30_000 },
    );
    await h.waitConverged(name, IPS);
    console.log(`GCP leader killed between delete and add: converged ${Date.now() - killedAt} ms later (lease 4 s)`);
    expect(h.world.ipsOnTwoInstances()).toEqual([]);
    for (const node of [from2, target])
      await waitFor(`${node} has an external IP again`, async () => ((await externalIP(node)) ? true : undefined));
    const restored = (await h.events(name)).filter((e) => e.reason === "ExternalIPRestored");
    expect(restored.length).toBeGreaterThanOrEqual(1);
    for (const event of restored) expect(event.message).toContain(`after an interrupted attach of ${ip2}`);
    await h.nodes.uncordon(target);
    await h.nodes.uncordon(from2);
  });

  it("leaves an IP held by a VM outside the cluster alone, and rides out a throttling storm", async () => {
    const foreign = gceInstanceKey("proj", "us-west1-a", "vpn-box");
    h.world.addInstance({ key: foreign, provider: "gcp", name: "vpn-box", zone: "us-west1-a", account: "proj" });
    const ip = "34.120.0.3";
    h.reserve([ip], "gcp", "us-west1");
    h.world.attach(ip, foreign, { actor: "someone-else" });
    front.faults.failNext("addresses.list", "rateLimitExceeded", 429, 4);
    await h.patchAllocation(name, { spec: { reservedIPs: [...IPS, ip] } });
    await waitFor(
      "IPInUseElsewhere",
      async () => ((await h.events(name)).some((e) => e.reason === "IPInUseElsewhere") ? true : undefined),
      {
        timeoutMs: 60_000,
      },
    );
    expect(h.world.holderOf(ip)?.key).toBe(foreign);
    await h.waitConverged(name, IPS, 60_000);
    expect(h.world.ipsOnTwoInstances()).toEqual([]);
  });
});
