import { OPEN_FENCE, gceInstanceKey, type InstanceRef } from "@ipac/cloud";
import { World } from "@ipac/cloud-sim";
import { ComputeFront } from "@ipac/cloud-sim";
import { PassThroughClient } from "google-auth-library";
import { GCP_IAM_PERMISSIONS, GcpCloudProvider } from "./gcp-provider.js";

const UNFENCED = { fence: OPEN_FENCE };

/** The IAM permission each Compute API method the simulator saw requires. */
const PERMISSION_OF: Record<string, string[]> = {
  "addresses.list": ["compute.addresses.list"],
  "addresses.aggregatedList": ["compute.addresses.list"],
  "instances.get": ["compute.instances.get"],
  "instances.deleteAccessConfig": ["compute.instances.deleteAccessConfig"],
  "instances.addAccessConfig": [
    "compute.instances.addAccessConfig",
    "compute.addresses.use",
    "compute.subnetworks.useExternalIp",
  ],
  "zoneOperations.wait": ["compute.zoneOperations.get"],
  "zoneOperations.get": ["compute.zoneOperations.get"],
};

const project = "proj";
const region = "us-west1";
const zone = "us-west1-a";
const scope = { provider: "gcp" as const, region };

// What every adapter must do is in the shared conformance suite (test/e2e/conformance). Here: what is
// particular to GCP, with the official @google-cloud/compute client against the simulator's Compute REST front.
describe("GCP adapter against the cloud-sim Compute front", () => {
  const world = new World();
  const front = new ComputeFront(world);
  let gcp: GcpCloudProvider;
  const vm = (name: string): InstanceRef => ({
    provider: "gcp",
    key: gceInstanceKey(project, zone, name),
    name,
    zone,
    account: project,
  });
  const a = vm("node-a");
  const b = vm("node-b");
  const ip = "34.1.1.1";

  beforeAll(async () => {
    for (const [n, eph] of [
      [a, "35.0.0.1"],
      [b, "35.0.0.2"],
    ] as const) {
      world.addInstance({ key: n.key, provider: "gcp", name: n.name, zone, account: project, ephemeralIP: eph });
    }
    world.reserveAddress({ ip, provider: "gcp", region, name: "web-ip" });
    world.reserveAddress({ ip: "34.1.1.2", provider: "gcp", region, name: "other-ip" });
    const { host, port } = await front.listen();
    gcp = new GcpCloudProvider({
      project,
      clientOptions: { apiEndpoint: host, port, protocol: "http", authClient: new PassThroughClient() } as never,
      timeoutMs: 2_000,
      operationTimeoutMs: 5_000,
    });
  });

  afterAll(async () => {
    await gcp.close();
    await front.close();
  });

  const holder = async () => (await gcp.describeAddresses(scope, [ip])).get(ip)?.holder?.name;

  it("observes the region's static addresses in one call", async () => {
    front.faults.calls.clear();
    const seen = await gcp.describeAddresses(scope, [ip, "34.9.9.9"]);
    expect(seen.get(ip)).toEqual({ ip, reserved: true });
    expect(seen.get("34.9.9.9")).toEqual({ ip: "34.9.9.9", reserved: false });
    expect(Object.fromEntries(front.faults.calls)).toEqual({ "addresses.list": 1 });
    const aggregated = await gcp.describeAddresses({ provider: "gcp" }, [ip]);
    expect(aggregated.get(ip)?.reserved).toBe(true);
  });

  it("attaches by replacing the ephemeral access config, waiting on both Operations", async () => {
    front.faults.operationDuration({ minMs: 150 });
    front.faults.calls.clear();
    await gcp.attach(scope, ip, a, UNFENCED);
    expect(world.holderOf(ip)?.key).toBe(a.key);
    const calls = Object.fromEntries(front.faults.calls);
    expect(await holder()).toBe("node-a");
    expect(calls).toMatchObject({
      "instances.get": 1,
      "addresses.list": 1,
      "instances.deleteAccessConfig": 1,
      "instances.addAccessConfig": 1,
    });
    expect(calls["zoneOperations.wait"]).toBeGreaterThanOrEqual(2);
    front.faults.operationDuration({ minMs: 0 });
    await gcp.attach(scope, ip, a, UNFENCED);
    expect(world.history.filter((e) => e.ip === ip)).toHaveLength(1);
  });

  it("refuses before it touches the node: the node keeps its ephemeral IP", async () => {
    front.faults.calls.clear();
    await expect(gcp.attach(scope, ip, b, UNFENCED)).rejects.toMatchObject({ kind: "Conflict" }); // held by node-a
    await expect(gcp.attach(scope, "34.9.9.9", b, UNFENCED)).rejects.toMatchObject({ kind: "NotFound" }); // not reserved
    expect(world.publicIPOf(b.key)).toBe("35.0.0.2");
    expect(front.faults.calls.get("instances.deleteAccessConfig")).toBeUndefined();
  });

  it("detaches once the IP is free, and gives the node an ephemeral IP back off the critical path", async () => {
    await gcp.detach(scope, ip, b, UNFENCED);
    expect(world.holderOf(ip)?.key).toBe(a.key);
    front.faults.operationDuration({ minMs: 1_000 });
    await gcp.detach(scope, ip, a, UNFENCED); // waits for the delete Operation only
    expect(world.holderOf(ip)).toBeUndefined();
    const natIP = async () =>
      (await gcp.instances.get({ project, zone, instance: a.name }))[0].networkInterfaces?.[0]?.accessConfigs?.[0]
        ?.natIP;
    expect(await natIP()).toBeUndefined(); // still being given back
    await gcp.settled();
    front.faults.operationDuration({ minMs: 0 });
    expect(await natIP()).toBe("35.0.0.1");
    await gcp.detach(scope, ip, a, UNFENCED);
    expect(world.holderOf(ip)).toBeUndefined();
    await gcp.attach(scope, ip, b, UNFENCED);
    expect(await holder()).toBe("node-b");
  });

  it("lets the SDK retry a 503 on a read by itself", async () => {
    front.faults.calls.clear();
    front.faults.failNext("addresses.list", "backendError", 503, 1);
    await expect(gcp.describeAddresses(scope, [ip])).resolves.toBeDefined();
    expect(front.faults.calls.get("addresses.list")).toBe(2);
  });

  it("stays within the IAM permissions the README lists", async () => {
    front.faults.calls.clear();
    await gcp.describeAddresses(scope, [ip]);
    await gcp.detach(scope, ip, b, UNFENCED);
    await gcp.attach(scope, ip, a, UNFENCED);
    const used = new Set(
      [...front.faults.calls.keys()].flatMap((method) => PERMISSION_OF[method] ?? [`unlisted:${method}`]),
    );
    expect([...used].filter((p) => !(GCP_IAM_PERMISSIONS as readonly string[]).includes(p))).toEqual([]);
  });
});
