import { request } from "node:https";
import { azureVmKey, gceInstanceKey } from "@ipac/cloud";
import { Simulator, type SimulatorEndpoints } from "./simulator.js";

const VM1 = gceInstanceKey("p", "z-a", "vm-1");
const VM2 = gceInstanceKey("p", "z-a", "vm-2");
const IP = "34.0.0.1";
const AZURE_IP = "20.0.0.1";
const SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";
const AZURE_VM = azureVmKey(SUBSCRIPTION, "rg", "vm-3");

// What a fault campaign needs of the simulator: requests attributed to the replica that sent them, Operations
// that finish on their own clock, double attaches recorded instead of refused, and a metadata server that
// clients other than ours accept.
describe("cloud-sim for fault campaigns", () => {
  const sim = new Simulator({
    gcpProject: "p",
    instances: ["vm-1", "vm-2"].map((name, i) => ({
      key: gceInstanceKey("p", "z-a", name),
      provider: "gcp" as const,
      name,
      zone: "z-a",
      account: "p",
      ephemeralIP: `35.0.0.${i + 1}`,
    })),
    addresses: [{ ip: IP, provider: "gcp", region: "z" }],
  });
  sim.world.addInstance({ key: AZURE_VM, provider: "azure", name: "vm-3", account: SUBSCRIPTION, resourceGroup: "rg" });
  sim.world.reserveAddress({ ip: AZURE_IP, provider: "azure", name: "pip-1" });
  let shared: SimulatorEndpoints;
  let replica: SimulatorEndpoints;
  const instanceUrl = (base: string, name: string) => `${base}/compute/v1/projects/p/zones/z-a/instances/${name}`;
  const deleteAccessConfig = (base: string, name: string) =>
    fetch(`${instanceUrl(base, name)}/deleteAccessConfig?networkInterface=nic0&accessConfig=external-nat`, {
      method: "POST",
    });
  const addAccessConfig = (base: string, name: string, natIP: string) =>
    fetch(`${instanceUrl(base, name)}/addAccessConfig?networkInterface=nic0`, {
      method: "POST",
      body: JSON.stringify({ name: "external-nat", type: "ONE_TO_ONE_NAT", natIP }),
    });

  beforeAll(async () => {
    shared = await sim.start();
    replica = await sim.addReplica("replica-1");
  });
  afterAll(() => sim.stop());

  it("records each request with the replica whose endpoint it came through, and applies unpolled Operations on time", async () => {
    sim.world.attach(IP, VM1, { actor: "setup" });
    sim.gcp.faults.operationDuration({ minMs: 300 });
    const sent = Date.now();
    const operation = (await (await deleteAccessConfig(replica.gcp, "vm-1")).json()) as { status: string };
    expect(operation.status).toBe("RUNNING");
    await fetch(instanceUrl(shared.gcp, "vm-2"));

    const [write, read] = sim.ledger.requests.slice(-2);
    expect(write).toMatchObject({
      replica: "replica-1",
      front: "gcp",
      operation: "instances.deleteAccessConfig",
      write: true,
      target: VM1,
      outcome: 200,
    });
    expect(write!.at).toBeGreaterThanOrEqual(sent);
    expect(read).toMatchObject({ replica: "", operation: "instances.get", write: false, target: VM2 });
    // Nobody polls the Operation: it completes anyway, as a killed caller's would on GCP.
    expect(sim.world.holderOf(IP)?.key).toBe(VM1);
    const deadline = Date.now() + 5_000;
    while (sim.world.holderOf(IP) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sim.world.holderOf(IP)).toBeUndefined();
    expect(Date.now() - sent).toBeGreaterThanOrEqual(300);
  });

  it("completes an Azure long-running NIC update on its own clock, through a replica's endpoint", async () => {
    sim.azure.faults.operationDuration({ minMs: 300 });
    const nic = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/vm-3-nic`;
    const publicIp = `/subscriptions/${SUBSCRIPTION}/resourceGroups/ip-rg/providers/Microsoft.Network/publicIPAddresses/pip-1`;
    const body = JSON.stringify({
      properties: { ipConfigurations: [{ name: "ipconfig1", properties: { publicIPAddress: { id: publicIp } } }] },
    });
    const status = await new Promise<number>((resolve, reject) => {
      const put = request(
        `${replica.azure}${nic}?api-version=2024-05-01`,
        { method: "PUT", ca: sim.azure.ca, headers: { "content-type": "application/json" } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      put.on("error", reject);
      put.end(body);
    });
    expect(status).toBe(200);
    expect(sim.ledger.requests.at(-1)).toMatchObject({ replica: "replica-1", front: "azure", write: true });
    expect(sim.world.holderOf(AZURE_IP)).toBeUndefined();
    const deadline = Date.now() + 5_000;
    while (!sim.world.holderOf(AZURE_IP) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(sim.world.holderOf(AZURE_IP)?.key).toBe(AZURE_VM);
  });

  it("refuses a double attach by default and records it as a violation in permissive mode", async () => {
    sim.gcp.faults.operationDuration({ minMs: 0 });
    await addAccessConfig(replica.gcp, "vm-1", IP);
    expect(sim.world.holderOf(IP)?.key).toBe(VM1);
    expect((await deleteAccessConfig(shared.gcp, "vm-2")).status).toBe(200);
    const refused = await addAccessConfig(shared.gcp, "vm-2", IP);
    expect(refused.status).toBe(400);
    expect(sim.ledger.violations).toEqual([]);

    const admin = (path: string, body?: object) =>
      fetch(`${shared.admin}${path}`, body ? { method: "POST", body: JSON.stringify(body) } : {}).then((r) => r.json());
    await admin("/permissive", { permissive: true });
    expect((await addAccessConfig(replica.gcp, "vm-2", IP)).status).toBe(200);
    const violations = [{ ip: IP, from: VM1, to: VM2, actor: "gcp-api", replica: "replica-1", at: expect.any(Number) }];
    expect(await admin("/violations")).toEqual(violations);
    expect(((await admin("/world")) as { violations: unknown }).violations).toEqual(violations);
    const requests = (await admin("/requests")) as { operation: string; outcome: number }[];
    expect(requests.filter((r) => r.operation === "instances.addAccessConfig").map((r) => r.outcome)).toEqual([
      200, 400, 200,
    ]);
  });

  it("answers the metadata server's probes as GCE does (Python google-auth's ping, service account, project id)", async () => {
    const metadata = (path: string) =>
      fetch(`http://${shared.env.GCE_METADATA_HOST}${path}`, { headers: { "Metadata-Flavor": "Google" } });
    const ping = await metadata("/");
    expect(ping.status).toBe(200);
    expect(ping.headers.get("metadata-flavor")).toBe("Google");
    const account = await metadata("/computeMetadata/v1/instance/service-accounts/default/?recursive=true");
    expect(account.headers.get("content-type")).toBe("application/json");
    expect(await account.json()).toMatchObject({ email: "default@p.iam.gserviceaccount.com", aliases: ["default"] });
    const project = await metadata("/computeMetadata/v1/project/project-id");
    expect(project.headers.get("content-type")).not.toMatch(/json/);
    expect(await project.text()).toBe("p");
    const token = await metadata("/computeMetadata/v1/instance/service-accounts/default/token");
    expect(await token.json()).toMatchObject({ access_token: "sim-token", token_type: "Bearer" });
    expect((await fetch(`http://${shared.env.GCE_METADATA_HOST}/`)).status).toBe(403);
  });
});
