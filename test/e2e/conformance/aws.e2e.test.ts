import { AllocateAddressCommand, EC2Client, RunInstancesCommand, type EC2ClientConfig } from "@aws-sdk/client-ec2";
import { awsInstanceKey, type InstanceRef } from "@ipac/cloud";
import { World } from "@ipac/cloud-sim";
import { AwsCloudProvider } from "@ipac/cloud-aws";
import { Ec2Front } from "@ipac/cloud-sim";
import { startMoto } from "@ipac/testenv";
import { describeConformance } from "./suite.js";
import type { Adapter, ConformanceTarget, SimulatedBackend } from "./target.js";

const region = "us-east-1";
const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const instanceRef = (id: string): InstanceRef => ({ provider: "aws", key: awsInstanceKey(id), name: id });

/** The adapter on the official SDK without SDK retries, so each test sees how one answer is classified. */
function adapter(endpoint: string, timeoutMs: number): Adapter & { provider: AwsCloudProvider } {
  const client: EC2ClientConfig = { endpoint, region, credentials, maxAttempts: 1 };
  const provider = new AwsCloudProvider({ client, timeoutMs });
  return { provider, close: async () => provider.destroy() };
}

/** Sets the scene through the EC2 API itself, so it works the same against any EC2 implementation. */
async function awsTarget(
  endpoint: string,
  stop: () => Promise<void>,
  sim?: Omit<SimulatedBackend, "withDeadlines">,
): Promise<ConformanceTarget> {
  const ec2 = new EC2Client({ endpoint, region, credentials });
  try {
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: "ami-12c6146b",
        MinCount: 2,
        MaxCount: 2,
        Placement: { AvailabilityZone: `${region}a` },
      }),
    );
    const [a, b] = (run.Instances ?? []).map((i) => instanceRef(i.InstanceId!));
    const allocate = async () => (await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }))).PublicIp!;
    const ips = [await allocate(), await allocate()] as const;
    const { provider, close } = adapter(endpoint, 5_000);
    return {
      provider,
      scope: { provider: "aws", region },
      nodes: [a!, b!],
      ghost: instanceRef("i-0123456789abcdef0"),
      ips,
      unknownIP: "203.0.113.99",
      ...(sim ? { sim: { ...sim, withDeadlines: ({ callMs }) => adapter(endpoint, callMs) } } : {}),
      close: async () => {
        await close();
        await stop();
      },
    };
  } finally {
    ec2.destroy();
  }
}

describeConformance(
  "AWS on the cloud-sim EC2 front",
  async () => {
    const world = new World();
    const front = new Ec2Front(world, region);
    const endpoint = await front.listen();
    return awsTarget(endpoint, () => front.close(), {
      world,
      faults: front.faults,
      observeOperation: "DescribeAddresses",
      writeOperation: "AssociateAddress",
      errors: {
        RateLimited: { code: "RequestLimitExceeded", status: 503 },
        Transient: { code: "InternalError", status: 500 },
        Permission: { code: "UnauthorizedOperation", status: 403 },
        InvalidInput: { code: "InvalidParameterValue", status: 400 },
      },
    });
  },
  { simulated: true, asyncWrites: false },
);

// moto's EC2 server is an independent implementation of the same wire protocol: the same suite must pass.
describeConformance(
  "AWS on moto",
  async () => {
    const moto = await startMoto();
    return awsTarget(moto.endpoint, moto.stop);
  },
  { simulated: false, asyncWrites: false },
);
