import { FencedError, OPEN_FENCE, azureVmKey, type InstanceRef, type WriteFence } from "@ipac/cloud";
import { World } from "@ipac/cloud-sim";
import { ArmFront } from "@ipac/cloud-sim";
import { AZURE_ROLE_ACTIONS, AzureCloudProvider } from "./azure-provider.js";

const UNFENCED = { fence: OPEN_FENCE };

/** The role actions each ARM call the simulator saw requires. */
const ACTIONS_OF: Record<string, string[]> = {
  "publicIPAddresses.listAll": ["Microsoft.Network/publicIPAddresses/read"],
  "networkInterfaces.listAll": ["Microsoft.Network/networkInterfaces/read"],
  "networkInterfaces.get": ["Microsoft.Network/networkInterfaces/read"],
  "networkInterfaces.createOrUpdate": [
    "Microsoft.Network/networkInterfaces/write",
    "Microsoft.Network/publicIPAddresses/join/action",
    "Microsoft.Network/virtualNetworks/subnets/join/action",
  ],
  "operations.get": ["Microsoft.Network/networkInterfaces/read"],
};

const subscription = "00000000-0000-0000-0000-000000000001";
const rg = "MC_aks_westeurope";
const scope = { provider: "azure" as const };
// Any TokenCredential works against the simulator; production uses DefaultAzureCredential / Workload Identity.
const credential = { getToken: async () => ({ token: "sim-token", expiresOnTimestamp: Date.now() + 3_600_000 }) };

// What every adapter must do is in the shared conformance suite (test/e2e/conformance). Here: what is
// particular to Azure, with the official @azure/arm-network client against the simulator's ARM front over HTTPS.
describe("Azure adapter against the cloud-sim ARM front", () => {
  const world = new World();
  const front = new ArmFront(world);
  let azure: AzureCloudProvider;
  let endpoint: string;
  const vm = (name: string, zone: string): InstanceRef => ({
    provider: "azure",
    key: azureVmKey(subscription, rg, name),
    name,
    account: subscription,
    resourceGroup: rg,
    zone,
  });
  const a = vm("vm-a", "westeurope-1");
  const b = vm("vm-b", "westeurope-2");

  beforeAll(async () => {
    for (const i of [a, b])
      world.addInstance({
        key: i.key,
        provider: "azure",
        name: i.name,
        zone: i.zone,
        account: subscription,
        resourceGroup: rg,
      });
    world.reserveAddress({ ip: "20.1.1.1", provider: "azure", region: "westeurope", name: "pip-web" });
    world.reserveAddress({
      ip: "20.1.1.2",
      provider: "azure",
      region: "westeurope",
      name: "pip-zonal",
      zone: "westeurope-1",
    });
    endpoint = await front.listen();
    azure = new AzureCloudProvider({
      subscriptionId: subscription,
      credential,
      endpoint,
      clientOptions: { tlsOptions: { ca: front.ca }, retryOptions: { maxRetries: 0 } },
      pollIntervalMs: 20,
    });
  });

  afterAll(async () => {
    await front.close();
  });

  it("observes public IPs and who holds them, with two list calls", async () => {
    front.faults.calls.clear();
    const seen = await azure.describeAddresses(scope, ["20.1.1.1", "20.9.9.9"]);
    expect(seen.get("20.1.1.1")).toEqual({ ip: "20.1.1.1", reserved: true });
    expect(seen.get("20.9.9.9")).toEqual({ ip: "20.9.9.9", reserved: false });
    expect(Object.fromEntries(front.faults.calls)).toEqual({
      "publicIPAddresses.listAll": 1,
      "networkInterfaces.listAll": 1,
    });
  });

  it("reports a zonal IP in the Kubernetes zone form, and refuses it in another zone", async () => {
    expect((await azure.describeAddresses(scope, ["20.1.1.2"])).get("20.1.1.2")?.zone).toBe("westeurope-1");
    await expect(azure.attach(scope, "20.1.1.2", b, UNFENCED)).rejects.toMatchObject({ kind: "InvalidInput" });
  });

  it("stays within the role actions the README lists", async () => {
    front.faults.calls.clear();
    await azure.attach(scope, "20.1.1.1", a, UNFENCED);
    await azure.detach(scope, "20.1.1.1", a, UNFENCED);
    const used = new Set([...front.faults.calls.keys()].flatMap((call) => ACTIONS_OF[call] ?? [`unlisted:${call}`]));
    expect([...used].filter((action) => !(AZURE_ROLE_ACTIONS as readonly string[]).includes(action))).toEqual([]);
  });

  it("checks the write fence on every attempt its pipeline sends: no retry after a 500 once the lease expired", async () => {
    const retrying = new AzureCloudProvider({
      subscriptionId: subscription,
      credential,
      endpoint,
      clientOptions: { tlsOptions: { ca: front.ca }, retryOptions: { maxRetries: 2, retryDelayInMs: 10 } },
      pollIntervalMs: 20,
    });
    front.faults.failNext("networkInterfaces.createOrUpdate", "InternalServerError", 500, 1);
    const before = front.faults.calls.get("networkInterfaces.createOrUpdate") ?? 0;
    await expect(retrying.attach(scope, "20.1.1.1", a, { fence: validForOneRequest() })).rejects.toBeInstanceOf(
      FencedError,
    );
    expect((front.faults.calls.get("networkInterfaces.createOrUpdate") ?? 0) - before).toBe(1);
    expect(world.holderOf("20.1.1.1")).toBeUndefined();
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
