import { writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ArmFront } from "@ipac/cloud-sim";
import { waitFor } from "@ipac/testenv";
import { AZURE_SUBSCRIPTION, Harness } from "./e2e-harness.js";

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
    front.operationDelayMs = 200;
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
  });
});
