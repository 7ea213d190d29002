import { World, gceInstanceKey, type InstanceRef } from "@ipac/cloud";
import { ComputeFront } from "@ipac/cloud-sim";
import { PassThroughClient } from "google-auth-library";
import { GCP_IAM_PERMISSIONS, GcpCloudProvider } from "./gcp-provider.js";

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

// The official @google-cloud/compute client against the simulator's Compute REST front.
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
    front.operationDelayMs = 150;
    front.faults.calls.clear();
    await gcp.attach(scope, ip, a);
    expect(world.holderOf(ip)?.key).toBe(a.key);
    expect(await holder()).toBe("node-a");
    const calls = Object.fromEntries(front.faults.calls);
    expect(calls).toMatchObject({
      "instances.get": 1,
      "instances.deleteAccessConfig": 1,
      "instances.addAccessConfig": 1,
    });
    expect(calls["zoneOperations.wait"]).toBeGreaterThanOrEqual(2);
    front.operationDelayMs = 0;
    await gcp.attach(scope, ip, a);
    expect(world.history.filter((e) => e.ip === ip)).toHaveLength(1);
  });

  it("refuses an address in use by another instance (Conflict), leaving that instance its ephemeral IP back", async () => {
    await expect(gcp.attach(scope, ip, b)).rejects.toMatchObject({ kind: "Conflict", provider: "gcp" });
    expect(world.holderOf(ip)?.key).toBe(a.key);
  });

  it("never replaces an instance's static address with another", async () => {
    await expect(gcp.attach(scope, "34.1.1.2", a)).rejects.toMatchObject({ kind: "Conflict" });
    expect(world.holderOf(ip)?.key).toBe(a.key);
  });

  it("detaches and gives the node an ephemeral IP back; repeating is a no-op", async () => {
    await gcp.detach(scope, ip, b);
    expect(world.holderOf(ip)?.key).toBe(a.key);
    await gcp.detach(scope, ip, a);
    await gcp.detach(scope, ip, a);
    expect(world.holderOf(ip)).toBeUndefined();
    expect(world.publicIPOf(a.key)).toBe("35.0.0.1");
    await gcp.attach(scope, ip, b);
    expect(await holder()).toBe("node-b");
  });

  it.each([
    [429, "rateLimitExceeded", "RateLimited"],
    [403, "forbidden", "Permission"],
    [404, "notFound", "NotFound"],
  ])("maps HTTP %d (%s) to %s", async (status, reason, kind) => {
    front.faults.failNext("addresses.list", reason, status, 1);
    await expect(gcp.describeAddresses(scope, [ip])).rejects.toMatchObject({ kind, provider: "gcp" });
  });

  it("lets the SDK retry a 503 on a read by itself", async () => {
    front.faults.calls.clear();
    front.faults.failNext("addresses.list", "backendError", 503, 1);
    await expect(gcp.describeAddresses(scope, [ip])).resolves.toBeDefined();
    expect(front.faults.calls.get("addresses.list")).toBe(2);
  });

  it("gives up on an Operation stuck in RUNNING, as Transient", async () => {
    const stuck = new GcpCloudProvider({
      project,
      clientOptions: (gcp as unknown as { options: { clientOptions: object } }).options.clientOptions as never,
      operationTimeoutMs: 300,
    });
    front.operationDelayMs = 60_000;
    try {
      await expect(stuck.detach(scope, ip, b)).rejects.toMatchObject({ kind: "Transient" });
    } finally {
      front.operationDelayMs = 0;
      await stuck.close();
    }
  });

  it("stays within the IAM permissions the README lists", async () => {
    front.faults.calls.clear();
    await gcp.describeAddresses(scope, [ip]);
    await gcp.detach(scope, ip, b);
    await gcp.attach(scope, ip, a);
    const used = new Set(
      [...front.faults.calls.keys()].flatMap((method) => PERMISSION_OF[method] ?? [`unlisted:${method}`]),
    );
    expect([...used].filter((p) => !(GCP_IAM_PERMISSIONS as readonly string[]).includes(p))).toEqual([]);
  });
});
