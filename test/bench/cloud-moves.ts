// Time of one IP move through each adapter against the simulator, with zero latency and with realistic cloud
// latencies (GCP zonal Operations ~2 s, the low end of 2–10 s; AWS ~1 s per call; Azure LROs ~5 s, the low end of
// 5–30 s). Usage: node test/dist/bench/cloud-moves.js
import {
  OPEN_FENCE,
  awsInstanceKey,
  azureVmKey,
  gceInstanceKey,
  type CloudProvider,
  type InstanceRef,
} from "@ipac/cloud";
import { World } from "@ipac/cloud-sim";
import { AwsCloudProvider } from "@ipac/cloud-aws";
import { AzureCloudProvider } from "@ipac/cloud-azure";
import { GcpCloudProvider } from "@ipac/cloud-gcp";
import { ArmFront, ComputeFront, Ec2Front } from "@ipac/cloud-sim";
import { PassThroughClient } from "google-auth-library";

const UNFENCED = { fence: OPEN_FENCE };

interface Setup {
  provider: CloudProvider;
  from: InstanceRef;
  to: InstanceRef;
  ip: string;
  setLatency(realistic: boolean): void;
  stop(): Promise<void>;
}

async function gcp(): Promise<Setup> {
  const world = new World();
  const vm = (name: string): InstanceRef => ({
    provider: "gcp",
    key: gceInstanceKey("p", "z-a", name),
    name,
    zone: "z-a",
    account: "p",
  });
  const [from, to] = [vm("a"), vm("b")];
  for (const i of [from, to])
    world.addInstance({
      key: i.key,
      provider: "gcp",
      name: i.name,
      zone: "z-a",
      account: "p",
      ephemeralIP: "35.0.0.1",
    });
  world.reserveAddress({ ip: "34.0.0.1", provider: "gcp", region: "z" });
  const front = new ComputeFront(world, "p");
  const { host, port } = await front.listen();
  const provider = new GcpCloudProvider({
    project: "p",
    clientOptions: { apiEndpoint: host, port, protocol: "http", authClient: new PassThroughClient() } as never,
  });
  return {
    provider,
    from,
    to,
    ip: "34.0.0.1",
    setLatency: (r) => front.faults.operationDuration({ minMs: r ? 2_000 : 0 }),
    stop: async () => (await provider.close(), await front.close()),
  };
}

async function aws(): Promise<Setup> {
  const world = new World();
  const vm = (id: string): InstanceRef => ({ provider: "aws", key: awsInstanceKey(id), name: id });
  const [from, to] = [vm("i-000000000000000a1"), vm("i-000000000000000b2")];
  for (const i of [from, to]) world.addInstance({ key: i.key, provider: "aws", name: i.name, zone: "us-east-1a" });
  world.reserveAddress({ ip: "52.0.0.1", provider: "aws", region: "us-east-1" });
  const front = new Ec2Front(world);
  const endpoint = await front.listen();
  const provider = new AwsCloudProvider({
    client: { endpoint, region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } },
  });
  return {
    provider,
    from,
    to,
    ip: "52.0.0.1",
    setLatency: (r) => front.faults.latency({ minMs: r ? 1_000 : 0 }),
    stop: async () => (provider.destroy(), await front.close()),
  };
}

async function azure(): Promise<Setup> {
  const world = new World();
  const sub = "00000000-0000-0000-0000-000000000001";
  const vm = (name: string): InstanceRef => ({
    provider: "azure",
    key: azureVmKey(sub, "rg", name),
    name,
    account: sub,
    resourceGroup: "rg",
  });
  const [from, to] = [vm("a"), vm("b")];
  for (const i of [from, to])
    world.addInstance({ key: i.key, provider: "azure", name: i.name, account: sub, resourceGroup: "rg" });
  world.reserveAddress({ ip: "20.0.0.1", provider: "azure", region: "westeurope" });
  const front = new ArmFront(world);
  const endpoint = await front.listen();
  const credential = { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }) };
  const provider = new AzureCloudProvider({
    subscriptionId: sub,
    credential,
    endpoint,
    clientOptions: { tlsOptions: { ca: front.ca } },
    pollIntervalMs: 500,
  });
  return {
    provider,
    from,
    to,
    ip: "20.0.0.1",
    setLatency: (r) => front.faults.operationDuration({ minMs: r ? 5_000 : 0 }),
    stop: () => front.close(),
  };
}

const rows: { provider: string; latency: string; moveSeconds: string }[] = [];
for (const [name, make] of [
  ["gcp", gcp],
  ["aws", aws],
  ["azure", azure],
] as const) {
  const s = await make();
  const scope = { provider: s.provider.name };
  for (const realistic of [false, true]) {
    s.setLatency(false);
    await s.provider.detach(scope, s.ip, s.to, UNFENCED);
    await s.provider.attach(scope, s.ip, s.from, UNFENCED);
    s.setLatency(realistic);
    const started = performance.now();
    if (s.provider.supportsAtomicReassociate)
      await s.provider.attach(scope, s.ip, s.to, { ...UNFENCED, reassociate: true });
    else {
      await s.provider.detach(scope, s.ip, s.from, UNFENCED);
      await s.provider.attach(scope, s.ip, s.to, UNFENCED);
    }
    rows.push({
      provider: name,
      latency: realistic ? "realistic" : "zero",
      moveSeconds: ((performance.now() - started) / 1000).toFixed(2),
    });
  }
  await s.stop();
}
console.table(rows);
