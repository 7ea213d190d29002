import { readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { NetworkManagementClient } from "@azure/arm-network";
import { createHttpHeaders, type HttpClient } from "@azure/core-rest-pipeline";
import { azureVmKey } from "@ipac/cloud";
import { World } from "@ipac/cloud-sim";
import { AzureCloudProvider } from "@ipac/cloud-azure";
import { ArmFront } from "@ipac/cloud-sim";
import { droppedBySdk } from "./wire-leaves.js";

const fixture = (name: string): { value: unknown[] } =>
  JSON.parse(readFileSync(new URL(`fixtures/${name}.json`, import.meta.url), "utf8")) as { value: unknown[] };
const credential = { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }) };
const subscription = "00000000-0000-0000-0000-000000000000";

/** The SDK's own transport slot, answering list calls with pinned bodies: the SDK's pipeline still parses them. */
function pinnedTransport(bodies: Record<string, unknown>): HttpClient {
  return {
    sendRequest: async (request) => {
      const kind = /providers\/Microsoft\.Network\/([A-Za-z]+)/.exec(new URL(request.url).pathname)?.[1] ?? "";
      const body = bodies[kind];
      return {
        request,
        status: body ? 200 : 404,
        headers: createHttpHeaders({ "content-type": "application/json" }),
        bodyAsText: JSON.stringify(body ?? { error: { code: "NotFound", message: `no pinned ${kind}` } }),
      };
    },
  };
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

// The simulator is ours, so it could share our misreading of ARM. Pinned bodies in the shape of the published
// REST reference (PublicIPAddresses_ListAll, NetworkInterfaces_ListAll), and the simulator's own answers, must
// both be read completely by the SDK's types.
describe("Azure wire bodies against the official SDK's types", () => {
  const bodies = {
    publicIPAddresses: fixture("azure-public-ip-addresses"),
    networkInterfaces: fixture("azure-network-interfaces"),
  };

  it("reads the reference bodies completely, and notices a field it does not know", async () => {
    const client = new NetworkManagementClient(credential, subscription, {
      httpClient: pinnedTransport({
        ...bodies,
        loadBalancers: { value: [{ name: "lb", properties: { ipAdress: "x" } }] },
      }),
    });
    expect(droppedBySdk(bodies.publicIPAddresses.value, await all(client.publicIPAddresses.listAll()))).toEqual([]);
    expect(droppedBySdk(bodies.networkInterfaces.value, await all(client.networkInterfaces.listAll()))).toEqual([]);
    const typo = [{ name: "lb", properties: { ipAdress: "x" } }];
    expect(droppedBySdk(typo, await all(client.loadBalancers.listAll()))).toEqual(["ipAdress=x"]);
  });

  it("turns the reference bodies into the observations the controller acts on", async () => {
    const azure = new AzureCloudProvider({
      subscriptionId: subscription,
      credential,
      clientOptions: { httpClient: pinnedTransport(bodies) },
    });
    const seen = await azure.describeAddresses({ provider: "azure" }, ["20.50.1.2", "20.50.1.3", "20.50.1.4"]);
    expect(seen.get("20.50.1.2")).toEqual({
      ip: "20.50.1.2",
      reserved: true,
      zone: "westeurope-1",
      holder: { key: azureVmKey(subscription, "MC_aks_westeurope", "aks-nodepool1-vm0"), name: "aks-nodepool1-vm0" },
    });
    expect(seen.get("20.50.1.3")?.holder?.name).toBe("ingress-lb");
    expect(seen.get("20.50.1.4")).toEqual({ ip: "20.50.1.4", reserved: true });
  });

  it("reads the simulator's answers completely", async () => {
    const world = new World();
    const front = new ArmFront(world);
    const rg = "MC_aks_westeurope";
    world.addInstance({
      key: azureVmKey(subscription, rg, "vm-1"),
      provider: "azure",
      name: "vm-1",
      zone: "westeurope-1",
      account: subscription,
      resourceGroup: rg,
    });
    world.reserveAddress({
      ip: "20.1.1.1",
      provider: "azure",
      region: "westeurope",
      name: "pip-held",
      zone: "westeurope-1",
    });
    world.reserveAddress({ ip: "20.1.1.2", provider: "azure", region: "westeurope", name: "pip-free" });
    world.attach("20.1.1.1", azureVmKey(subscription, rg, "vm-1"));
    const endpoint = await front.listen();
    const wire = (kind: string) =>
      new Promise<{ value: unknown[] }>((resolve, reject) => {
        const url = `${endpoint}/subscriptions/${subscription}/providers/Microsoft.Network/${kind}?api-version=2026-01-01`;
        httpsRequest(url, { ca: front.ca, headers: { authorization: "Bearer t" } }, (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => (text += chunk.toString()));
          response.on("end", () => resolve(JSON.parse(text) as { value: unknown[] }));
        })
          .on("error", reject)
          .end();
      });
    const client = new NetworkManagementClient(credential, subscription, {
      endpoint,
      credentials: { scopes: [`${endpoint}/.default`] },
      tlsOptions: { ca: front.ca },
    } as never);
    try {
      const pips = await all(client.publicIPAddresses.listAll());
      expect(pips).toHaveLength(2);
      expect(droppedBySdk((await wire("publicIPAddresses")).value, pips)).toEqual([]);
      const nics = await all(client.networkInterfaces.listAll());
      expect(droppedBySdk((await wire("networkInterfaces")).value, nics)).toEqual([]);
    } finally {
      await front.close();
    }
  });
});
