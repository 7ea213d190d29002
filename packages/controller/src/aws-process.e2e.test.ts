import { awsInstanceKey } from "@ipac/cloud";
import { Ec2Front } from "@ipac/cloud-sim";
import { waitFor } from "@ipac/testenv";
import { Harness } from "../test/e2e-harness.js";

const IPS = ["198.18.10.1", "198.18.10.2"];

// The controller process started exactly as in production (entry point, environment, the AWS SDK's default
// credential chain), pointed at the simulator's EC2 front through AWS_ENDPOINT_URL_EC2.
describe("controller process on AWS (cloud-sim EC2 front)", () => {
  const h = new Harness(`aws-${Date.now().toString(36)}`);
  const name = `${h.prefix}-app`;
  let front: Ec2Front;

  beforeAll(async () => {
    await h.setUp();
    front = new Ec2Front(h.world, "us-east-1");
    const endpoint = await front.listen();
    await h.addNodes(["a", "b", "c"], "us-east-1a", {}, "aws");
    h.reserve(IPS, "aws");
    await h.spawnController(`${h.prefix}-0`, {
      AWS_ENDPOINT_URL_EC2: endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
    });
  });

  afterAll(async () => {
    await h.deleteAllocation(name).catch(() => undefined);
    await front?.close();
    await h.tearDown();
  });

  it("attaches the Elastic IPs to nodes and labels them", async () => {
    await h.createAllocation(name, { reservedIPs: IPS, cloud: { provider: "aws", region: "us-east-1" } });
    await h.waitConverged(name, IPS);
    expect(h.world.ipsOnTwoInstances()).toEqual([]);
  });

  it("moves an IP off a drained node in one atomic re-association", async () => {
    const [ip, holder] = Object.entries(h.holders(IPS))[0]!;
    const instance = h.world.holderOf(ip)!.key;
    const before = h.world.history.length;
    front.faults.calls.clear();
    await h.nodes.drain(holder!);
    await waitFor(`${ip} moved`, () => (h.world.holderOf(ip)?.key !== instance ? true : undefined));
    await h.waitConverged(name, IPS);
    const move = h.world.history.slice(before).filter((e) => e.ip === ip);
    expect(move).toEqual([expect.objectContaining({ op: "attach", from: instance })]);
    console.log(`AWS move: EC2 calls ${JSON.stringify(Object.fromEntries(front.faults.calls))}`);
    await h.nodes.uncordon(holder!);
  });

  it("leaves an IP held by an instance outside the cluster alone and reports IPInUseElsewhere", async () => {
    const foreign = awsInstanceKey("i-0f0f0f0f0f0f0f0f0");
    h.world.addInstance({ key: foreign, provider: "aws", name: "i-0f0f0f0f0f0f0f0f0", zone: "us-east-1a" });
    const ip = "198.18.10.3";
    h.reserve([ip], "aws");
    h.world.attach(ip, foreign, { actor: "someone-else" });
    await h.patchAllocation(name, { spec: { reservedIPs: [...IPS, ip] } });
    await waitFor("IPInUseElsewhere", async () =>
      (await h.events(name)).some((e) => e.reason === "IPInUseElsewhere") ? true : undefined,
    );
    const assignment = (await h.allocation(name)).status?.assignments?.find((a) => a.ip === ip);
    expect(assignment).toMatchObject({ state: "Blocked" });
    expect(h.world.holderOf(ip)?.key).toBe(foreign);
    await h.patchAllocation(name, { spec: { reservedIPs: IPS } });
  });

  it("rides out a throttling and 5xx storm and converges with no IP on two instances", async () => {
    const [, holder] = Object.entries(h.holders(IPS))[1]!;
    front.faults.failNext("AssociateAddress", "RequestLimitExceeded", 503, 3);
    front.faults.failNext("DescribeAddresses", "InternalError", 500, 3);
    await h.nodes.cordon(holder!);
    await waitFor(
      "the IP moved off the cordoned node",
      () => (Object.values(h.holders(IPS)).includes(holder) ? undefined : true),
      {
        timeoutMs: 60_000,
      },
    );
    await h.waitConverged(name, IPS, 60_000);
    expect(front.faults.calls.get("AssociateAddress")).toBeGreaterThan(3);
    expect(h.world.ipsOnTwoInstances()).toEqual([]);
    await h.nodes.uncordon(holder!);
  });
});
