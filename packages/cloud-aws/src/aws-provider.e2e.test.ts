import { FencedError, OPEN_FENCE, awsInstanceKey, type WriteFence } from "@ipac/cloud";
import { World } from "@ipac/cloud-sim";
import { Ec2Front } from "@ipac/cloud-sim";
import { AWS_IAM_ACTIONS, AwsCloudProvider } from "./aws-provider.js";

const UNFENCED = { fence: OPEN_FENCE };

const region = "us-east-1";
const scope = { provider: "aws" as const, region };

// What every adapter must do is in the shared conformance suite (test/e2e/conformance), run against the
// cloud-sim EC2 front and moto. Here: what is particular to this adapter.
describe("AWS adapter calls (cloud-sim EC2 front)", () => {
  const world = new World();
  const front = new Ec2Front(world, region);
  let aws: AwsCloudProvider;
  const ip = "198.51.100.7";
  const instance = {
    provider: "aws" as const,
    key: awsInstanceKey("i-00000000000000001"),
    name: "i-00000000000000001",
  };

  const eksNode = { provider: "aws" as const, key: awsInstanceKey("i-00000000000000002"), name: "i-00000000000000002" };

  beforeAll(async () => {
    for (const i of [instance, eksNode])
      world.addInstance({ key: i.key, provider: "aws", name: i.name, zone: `${region}a` });
    world.reserveAddress({ ip, provider: "aws", region });
    const endpoint = await front.listen();
    aws = new AwsCloudProvider({
      client: { endpoint, region, credentials: { accessKeyId: "t", secretAccessKey: "t" } },
    });
  });

  afterAll(async () => {
    aws.destroy();
    await front.close();
  });

  it("reads all IPs in one DescribeAddresses; an attach reads the IP and the instance's Elastic IPs at once, then associates", async () => {
    front.faults.calls.clear();
    await aws.describeAddresses(scope, [ip, "198.51.100.8", "198.51.100.9"]);
    expect(Object.fromEntries(front.faults.calls)).toEqual({ DescribeAddresses: 1 });
    await aws.attach(scope, ip, instance, UNFENCED);
    expect(Object.fromEntries(front.faults.calls)).toEqual({ DescribeAddresses: 2, AssociateAddress: 1 });
  });

  it("reaches an instance with several network interfaces (an EKS node) through its primary interface", async () => {
    await aws.detach(scope, ip, instance, UNFENCED);
    front.addSecondaryInterface(eksNode.name);
    front.faults.calls.clear();
    await aws.attach(scope, ip, eksNode, UNFENCED);
    expect(world.holderOf(ip)?.key).toBe(eksNode.key);
    expect((await aws.describeAddresses(scope, [ip])).get(ip)?.holder?.key).toBe(eksNode.key);
    expect(front.faults.calls.get("AssociateAddress")).toBe(2); // refused by instance id, then by interface
    expect(front.faults.calls.get("DescribeInstances")).toBe(1);
    await aws.attach(scope, ip, instance, { ...UNFENCED, reassociate: true });
    expect(world.holderOf(ip)?.key).toBe(instance.key);
  });

  it("stays within the IAM policy the README lists", async () => {
    front.faults.calls.clear();
    await aws.describeAddresses(scope, [ip]);
    await aws.detach(scope, ip, instance, UNFENCED);
    await aws.attach(scope, ip, eksNode, UNFENCED);
    await aws.detach(scope, ip, eksNode, UNFENCED);
    expect([...front.faults.calls.keys()].map((action) => `ec2:${action}`).sort()).toEqual([...AWS_IAM_ACTIONS].sort());
  });

  it("checks the write fence on every attempt the SDK sends: no retry after a 503 once the lease expired", async () => {
    await aws.detach(scope, ip, eksNode, UNFENCED);
    front.faults.failNext("AssociateAddress", "InternalError", 500, 1);
    const before = front.faults.calls.get("AssociateAddress") ?? 0;
    await expect(aws.attach(scope, ip, instance, { fence: validForOneRequest() })).rejects.toBeInstanceOf(FencedError);
    expect((front.faults.calls.get("AssociateAddress") ?? 0) - before).toBe(1); // the SDK (maxAttempts 2) did not resend
    expect(world.holderOf(ip)).toBeUndefined();
  });
});

/** Valid for one write request, then expired by the replica's own clock before any watchdog aborted anything. */
function validForOneRequest(): WriteFence {
  let checks = 0;
  return {
    signal: new AbortController().signal,
    check: (operation) => {
      if (checks++ > 0) throw new FencedError(operation);
    },
  };
}
