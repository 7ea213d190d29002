import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AddressesClient, InstancesClient, ZoneOperationsClient } from "@google-cloud/compute";
import { gceInstanceKey } from "@ipac/cloud";
import { World } from "@ipac/cloud-sim";
import { GcpCloudProvider } from "@ipac/cloud-gcp";
import { ComputeFront } from "@ipac/cloud-sim";
import { PassThroughClient } from "google-auth-library";
import { droppedBySdk } from "./wire-leaves.js";

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`fixtures/${name}.json`, import.meta.url), "utf8")) as Record<string, unknown>;

/** Answers GETs with pinned bodies by path: the published reference's shapes, for the unmodified SDK to parse. */
async function serveBodies(bodies: Record<string, unknown>): Promise<{ host: string; port: number; server: Server }> {
  const server = createServer((request, response) => {
    const body = bodies[new URL(request.url ?? "/", "http://x").pathname];
    response.writeHead(body ? 200 : 404, { "content-type": "application/json" });
    response.end(JSON.stringify(body ?? { error: { code: 404, message: "not found", errors: [] } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { host: "127.0.0.1", port: (server.address() as AddressInfo).port, server };
}

/** The three Compute clients the adapter uses, pointed at a loopback endpoint. */
function clients(host: string, port: number) {
  const options = { apiEndpoint: host, port, protocol: "http", authClient: new PassThroughClient() } as never;
  return {
    addresses: new AddressesClient(options),
    instances: new InstancesClient(options),
    operations: new ZoneOperationsClient(options),
    close: async function () {
      await Promise.all([this.addresses.close(), this.instances.close(), this.operations.close()]);
    },
  };
}

const v1 = "/compute/v1/projects/my-project";

// The simulator is ours, so it could share our misreading of the Compute API. Pinned bodies in the shape of the
// published REST reference, and the simulator's own answers, must both be read completely by the SDK's types.
describe("GCP wire bodies against the official SDK's types", () => {
  const operation = fixture("gcp-operation");
  const bodies = {
    [`${v1}/regions/us-central1/addresses`]: fixture("gcp-addresses-list"),
    [`${v1}/zones/us-central1-a/instances/gke-pool-1-5f2c`]: fixture("gcp-instance"),
    [`${v1}/zones/us-central1-a/operations/${String(operation.name)}`]: operation,
    // The same list with one field misspelt: proves the check can fail.
    [`${v1}/regions/europe-west1/addresses`]: { items: [{ adress: "34.1.1.1", name: "typo" }] },
  };
  let pinned: Awaited<ReturnType<typeof serveBodies>>;
  let sdk: ReturnType<typeof clients>;

  beforeAll(async () => {
    pinned = await serveBodies(bodies);
    sdk = clients(pinned.host, pinned.port);
  });
  afterAll(async () => {
    await sdk.close();
    pinned.server.close();
  });

  it("reads the reference bodies completely", async () => {
    const [addresses] = await sdk.addresses.list({ project: "my-project", region: "us-central1" });
    expect(droppedBySdk(bodies[`${v1}/regions/us-central1/addresses`]!.items, addresses)).toEqual([]);
    const [vm] = await sdk.instances.get({ project: "my-project", zone: "us-central1-a", instance: "gke-pool-1-5f2c" });
    expect(droppedBySdk(fixture("gcp-instance"), vm)).toEqual([]);
    const [op] = await sdk.operations.get({
      project: "my-project",
      zone: "us-central1-a",
      operation: String(operation.name),
    });
    expect(droppedBySdk(operation, op)).toEqual([]);
  });

  it("notices a field the SDK does not know", async () => {
    const [addresses] = await sdk.addresses.list({ project: "my-project", region: "europe-west1" });
    expect(droppedBySdk([{ adress: "34.1.1.1", name: "typo" }], addresses)).toEqual(["adress=34.1.1.1"]);
  });

  it("turns the reference bodies into the observations the controller acts on", async () => {
    const gcp = new GcpCloudProvider({
      project: "my-project",
      clientOptions: {
        apiEndpoint: pinned.host,
        port: pinned.port,
        protocol: "http",
        authClient: new PassThroughClient(),
      } as never,
    });
    try {
      const seen = await gcp.describeAddresses({ provider: "gcp", region: "us-central1" }, [
        "34.122.10.20",
        "34.122.10.21",
        "34.122.10.22",
      ]);
      expect(seen.get("34.122.10.20")?.holder).toEqual({
        key: gceInstanceKey("my-project", "us-central1-a", "gke-pool-1-5f2c"),
        name: "gke-pool-1-5f2c",
        zone: "us-central1-a",
        account: "my-project",
      });
      expect(seen.get("34.122.10.21")).toEqual({ ip: "34.122.10.21", reserved: true });
      expect(seen.get("34.122.10.22")?.holder?.name).toBe("forwardingRules/lb-frontend");
    } finally {
      await gcp.close();
    }
  });

  it("reads the simulator's answers completely, addresses, instances and Operations alike", async () => {
    const world = new World();
    const front = new ComputeFront(world);
    const zone = "us-west1-a";
    world.addInstance({
      key: gceInstanceKey("proj", zone, "vm-1"),
      provider: "gcp",
      name: "vm-1",
      zone,
      account: "proj",
      ephemeralIP: "35.0.0.1",
    });
    world.reserveAddress({ ip: "34.1.1.1", provider: "gcp", region: "us-west1", name: "held" });
    world.reserveAddress({ ip: "34.1.1.2", provider: "gcp", region: "us-west1", name: "free" });
    const { host, port } = await front.listen();
    const wire = async (path: string, method = "GET") =>
      (await (await fetch(`http://${host}:${port}/compute/v1/projects/proj${path}`, { method })).json()) as Record<
        string,
        unknown
      >;
    const sim = clients(host, port);
    try {
      const instancePath = `/zones/${zone}/instances/vm-1`;
      const started = await wire(
        `${instancePath}/deleteAccessConfig?accessConfig=external-nat&networkInterface=nic0`,
        "POST",
      );
      const [op] = await sim.operations.get({ project: "proj", zone, operation: String(started.name) });
      expect(droppedBySdk(await wire(`/zones/${zone}/operations/${String(started.name)}`), op)).toEqual([]);
      world.attach("34.1.1.1", gceInstanceKey("proj", zone, "vm-1"));
      const [addresses] = await sim.addresses.list({ project: "proj", region: "us-west1" });
      expect(addresses).toHaveLength(2);
      expect(droppedBySdk((await wire("/regions/us-west1/addresses")).items, addresses)).toEqual([]);
      const [vm] = await sim.instances.get({ project: "proj", zone, instance: "vm-1" });
      expect(droppedBySdk(await wire(instancePath), vm)).toEqual([]);
    } finally {
      await sim.close();
      await front.close();
    }
  });
});
