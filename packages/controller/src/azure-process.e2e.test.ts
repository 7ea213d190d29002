import { writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ArmFront } from "@ipac/cloud-sim";
import { waitFor } from "@ipac/testenv";
import { azureVmKey } from "@ipac/cloud";
import { AZURE_SUBSCRIPTION, Harness } from "../test/e2e-harness.js";

const IPS = ["20.50.0.1", "20.50.0.2"];

// The controller process on Azure as in production: DefaultAzureCredential (here: managed identity through the
// simulator's IDENTITY_ENDPOINT), the ARM endpoint over HTTPS trusted through NODE_EXTRA_CA_CERTS.
describe("controller process on Azure (cloud-sim ARM front)", () => {
  const h = new Harness(`az-${Date.now().toString(36)}`);
  const name = `${h.prefix}-app`;
  const front = new ArmFront(h.world);

  beforeAll(async () => {
    await h.setUp();
    const endpoint = await front.listen();
    const caFile = join(await mkdtemp(join(tmpdir(), "ipac-azure-")), "ca.pem");
    await writeFile(caFile, front.ca);
    await h.addNodes(["a", "b", "c"], "westeurope-1", {}, "azure");
    h.reserve(IPS, "azure", "westeurope");
    front.faults.operationDuration({ minMs: 200 });
    await h.spawnController(`${h.prefix}-0`, {
      AZURE_SUBSCRIPTION_ID: AZURE_SUBSCRIPTION,
      AZURE_RESOURCE_MANAGER_ENDPOINT: endpoint,
      IDENTITY_ENDPOINT: `${endpoint}/msi/token`,
      IDENTITY_HEADER: "sim",
      NODE_EXTRA_CA_CERTS: caFile,
    });
  });

  afterAll(async () => {
    await h.deleteAllocation(name).catch(() => undefined);
    await front.close();
    await h.tearDown();
  });

  it("attaches public IPs through NIC updates, and moves a drained node's IP", async () => {
    await h.createAllocation(name, { reservedIPs: IPS, cloud: { provider: "azure", region: "westeurope" } });
    const holders = await h.waitConverged(name, IPS);
    const [ip, from] = Object.entries(holders)[0]!;
    const started = Date.now();
    await h.nodes.drain(from);
    await waitFor(`${ip} moved`, () => (h.holders(IPS)[ip] && h.holders(IPS)[ip] !== from ? true : undefined));
    await h.waitConverged(name, IPS);
    console.log(`Azure move with 200 ms LROs: ${Date.now() - started} ms`);
    expect(h.world.ipsOnTwoInstances()).toEqual([]);
    await h.nodes.uncordon(from);
  });

  it("leaves an IP held by a VM outside the cluster alone and reports IPInUseElsewhere", async () => {
    const foreign = azureVmKey(AZURE_SUBSCRIPTION, "other-rg", "vpn-box");
    h.world.addInstance({
      key: foreign,
      provider: "azure",
      name: "vpn-box",
      zone: "westeurope-1",
      account: AZURE_SUBSCRIPTION,
      resourceGroup: "other-rg",
    });
    const ip = "20.50.0.3";
    h.reserve([ip], "azure", "westeurope");
    h.world.attach(ip, foreign, { actor: "someone-else" });
    await h.patchAllocation(name, { spec: { reservedIPs: [...IPS, ip] } });
    await waitFor("IPInUseElsewhere", async () =>
      (await h.events(name)).some((e) => e.reason === "IPInUseElsewhere") ? true : undefined,
    );
    expect(h.world.holderOf(ip)?.key).toBe(foreign);
    await h.patchAllocation(name, { spec: { reservedIPs: IPS } });
  });

  it("rides out throttling and 5xx on NIC updates and converges with no IP on two instances", async () => {
    const [, holder] = Object.entries(h.holders(IPS))[1]!;
    front.faults.failNext("networkInterfaces.createOrUpdate", "InternalServerError", 500, 3);
    await h.nodes.cordon(holder!);
    await waitFor(
      "the IP moved off the cordoned node",
      () => (Object.values(h.holders(IPS)).includes(holder) ? undefined : true),
      { timeoutMs: 60_000 },
    );
    await h.waitConverged(name, IPS, 60_000);
    expect(h.world.ipsOnTwoInstances()).toEqual([]);
  });
});
