import { azureVmKey, type InstanceRef } from "@ipac/cloud";
import { World } from "@ipac/cloud-sim";
import { ArmFront } from "@ipac/cloud-sim";
import { AZURE_ROLE_ACTIONS, AzureCloudProvider } from "./azure-provider.js";

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
    const endpoint = await front.listen();
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
    await expect(azure.attach(scope, "20.1.1.2", b)).rejects.toMatchObject({ kind: "InvalidInput" });
  });

  it("stays within the role actions the README lists", async () => {
    front.faults.calls.clear();
    await azure.attach(scope, "20.1.1.1", a);
    await azure.detach(scope, "20.1.1.1", a);
    const used = new Set([...front.faults.calls.keys()].flatMap((call) => ACTIONS_OF[call] ?? [`unlisted:${call}`]));
    expect([...used].filter((action) => !(AZURE_ROLE_ACTIONS as readonly string[]).includes(action))).toEqual([]);
  });
});
