import { AllocateAddressCommand, EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { CloudError, World, awsInstanceKey, type InstanceRef } from "@ipac/cloud";
import { Ec2Front } from "@ipac/cloud-sim";
import { startMoto } from "@ipac/testenv";
import { AWS_IAM_ACTIONS, AwsCloudProvider } from "./aws-provider.js";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const region = "us-east-1";
const scope = { provider: "aws" as const, region };

interface Backend {
  endpoint: string;
  stop(): Promise<void>;
}

async function simBackend(): Promise<Backend & { front: Ec2Front; world: World }> {
  const world = new World();
  const front = new Ec2Front(world, region);
  const endpoint = await front.listen();
  return { endpoint, stop: () => front.close(), front, world };
}

// One conformance suite for the adapter, run against our simulator's EC2 front and against moto's EC2 server
// (an independent implementation), with the unmodified official SDK.
describe.each([
  ["cloud-sim EC2 front", simBackend],
  ["moto", startMoto],
])("AWS adapter against %s", (_, start) => {
  let backend: Backend;
  let ec2: EC2Client;
  let aws: AwsCloudProvider;
  const instances: InstanceRef[] = [];
  const ips: string[] = [];

  beforeAll(async () => {
    backend = await start();
    const client = { endpoint: backend.endpoint, region, credentials };
    ec2 = new EC2Client(client);
    aws = new AwsCloudProvider({ client, timeoutMs: 5_000 });
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: "ami-12c6146b",
        MinCount: 3,
        MaxCount: 3,
        Placement: { AvailabilityZone: `${region}a` },
      }),
    );
    for (const i of run.Instances ?? [])
      instances.push({ provider: "aws", key: awsInstanceKey(i.InstanceId!), name: i.InstanceId! });
    for (let n = 0; n < 2; n++) ips.push((await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }))).PublicIp!);
  });

  afterAll(async () => {
    ec2?.destroy();
    aws?.destroy();
    await backend?.stop();
  });

  const holderOf = async (ip: string) => (await aws.describeAddresses(scope, [ip])).get(ip)?.holder?.name;

  it("observes every IP in one call: reserved or not, and who holds it", async () => {
    const seen = await aws.describeAddresses(scope, [...ips, "203.0.113.99"]);
    expect(seen.get(ips[0]!)).toEqual({ ip: ips[0], reserved: true });
    expect(seen.get("203.0.113.99")).toEqual({ ip: "203.0.113.99", reserved: false });
  });

  it("attaches, and repeating the attach is a no-op", async () => {
    await aws.attach(scope, ips[0]!, instances[0]!);
    await aws.attach(scope, ips[0]!, instances[0]!);
    expect(await holderOf(ips[0]!)).toBe(instances[0]!.name);
    const seen = (await aws.describeAddresses(scope, [ips[0]!])).get(ips[0]!);
    expect(seen?.holder?.key).toBe(instances[0]!.key);
  });

  it("refuses to take an IP held by another instance without reassociation (Conflict)", async () => {
    const error = await aws.attach(scope, ips[0]!, instances[1]!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudError);
    expect(error).toMatchObject({ kind: "Conflict", provider: "aws" });
    expect(await holderOf(ips[0]!)).toBe(instances[0]!.name);
  });

  it("moves atomically with reassociation", async () => {
    await aws.attach(scope, ips[0]!, instances[1]!, { reassociate: true });
    expect(await holderOf(ips[0]!)).toBe(instances[1]!.name);
  });

  it("detaches only from the instance holding the IP, idempotently", async () => {
    await aws.detach(scope, ips[0]!, instances[0]!);
    expect(await holderOf(ips[0]!)).toBe(instances[1]!.name);
    await aws.detach(scope, ips[0]!, instances[1]!);
    await aws.detach(scope, ips[0]!, instances[1]!);
    expect(await holderOf(ips[0]!)).toBeUndefined();
  });

  it("reports unknown IPs and instances as NotFound", async () => {
    await expect(aws.attach(scope, "203.0.113.99", instances[2]!)).rejects.toMatchObject({ kind: "NotFound" });
    const ghost = { provider: "aws" as const, key: awsInstanceKey("i-0123456789abcdef0"), name: "i-0123456789abcdef0" };
    await expect(aws.attach(scope, ips[1]!, ghost)).rejects.toMatchObject({ kind: "NotFound" });
  });
});

describe("AWS adapter error classes (cloud-sim fault injection)", () => {
  let sim: Awaited<ReturnType<typeof simBackend>>;
  let aws: AwsCloudProvider;
  let ip: string;
  const instance = {
    provider: "aws" as const,
    key: awsInstanceKey("i-00000000000000001"),
    name: "i-00000000000000001",
  };

  beforeAll(async () => {
    sim = await simBackend();
    sim.world.addInstance({ key: instance.key, provider: "aws", name: instance.name, zone: `${region}a` });
    ip = "198.51.100.7";
    sim.world.reserveAddress({ ip, provider: "aws", region });
    // No SDK retries here: each test sees how one failed call is classified.
    aws = new AwsCloudProvider({
      client: { endpoint: sim.endpoint, region, credentials, maxAttempts: 1 },
      timeoutMs: 5_000,
    });
  });

  afterAll(async () => {
    aws.destroy();
    await sim.stop();
  });

  it.each([
    ["RequestLimitExceeded", 503, "RateLimited"],
    ["UnauthorizedOperation", 403, "Permission"],
    ["InvalidParameterValue", 400, "InvalidInput"],
    ["InternalError", 500, "Transient"],
  ])("maps %s (HTTP %d) to %s", async (code, status, kind) => {
    sim.front.faults.failNext("DescribeAddresses", code, status, 5);
    await expect(aws.describeAddresses(scope, [ip])).rejects.toMatchObject({ kind, provider: "aws" });
    sim.front.faults.failNext("DescribeAddresses", code, status, 0);
  });

  it("times out a call that hangs, as Transient", async () => {
    const impatient = new AwsCloudProvider({
      client: { endpoint: sim.endpoint, region, credentials, maxAttempts: 1 },
      timeoutMs: 500,
    });
    sim.front.faults.latencyMs = 3_000;
    const started = Date.now();
    try {
      await expect(impatient.describeAddresses(scope, [ip])).rejects.toMatchObject({ kind: "Transient" });
      expect(Date.now() - started).toBeLessThan(2_500);
    } finally {
      sim.front.faults.latencyMs = 0;
      impatient.destroy();
    }
  });

  it("makes one DescribeAddresses call per observation, and two calls per attach", async () => {
    sim.front.faults.calls.clear();
    await aws.describeAddresses(scope, [ip, "198.51.100.8", "198.51.100.9"]);
    expect(sim.front.faults.calls.get("DescribeAddresses")).toBe(1);
    await aws.attach(scope, ip, instance);
    expect(Object.fromEntries(sim.front.faults.calls)).toEqual({ DescribeAddresses: 2, AssociateAddress: 1 });
    await aws.detach(scope, ip, instance);
    // The calls stay within the IAM policy the README documents.
    expect([...sim.front.faults.calls.keys()].map((action) => `ec2:${action}`).sort()).toEqual(
      [...AWS_IAM_ACTIONS].sort(),
    );
  });
});
