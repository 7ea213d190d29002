import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { SimulatorEndpoints, WorldFile } from "./simulator.js";

const cli = resolve(dirname(fileURLToPath(import.meta.url)), "../dist/cli.js");

describe("cloud-sim serve", () => {
  it("serves a world file, prints endpoints and env, and changes the world out of band through its admin API", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cloud-sim-"));
    const world: WorldFile = {
      gcpProject: "p",
      instances: [
        { key: "gce://p/z-a/vm-1", provider: "gcp", name: "vm-1", zone: "z-a", account: "p", ephemeralIP: "35.0.0.1" },
      ],
      addresses: [{ ip: "34.0.0.1", provider: "gcp", region: "z", name: "web" }],
    };
    await writeFile(join(dir, "world.json"), JSON.stringify(world));
    const child = spawn("node", [cli, "serve", "--world", join(dir, "world.json"), "--ca-out", join(dir, "ca.pem")], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise<number | null>((r) => child.once("exit", r));
    let out = "";
    const endpoints = await new Promise<SimulatorEndpoints>((resolveEndpoints) =>
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        try {
          resolveEndpoints(JSON.parse(out) as SimulatorEndpoints);
        } catch {
          // not all of it yet
        }
      }),
    );
    try {
      expect(endpoints.env).toMatchObject({
        GCP_COMPUTE_ENDPOINT: endpoints.gcp,
        AWS_ENDPOINT_URL_EC2: endpoints.aws,
        NODE_EXTRA_CA_CERTS: join(dir, "ca.pem"),
      });
      const post = (path: string, body: object) =>
        fetch(`${endpoints.admin}${path}`, { method: "POST", body: JSON.stringify(body) }).then((r) => r.json());
      await post("/attach", { ip: "34.0.0.1", instance: "gce://p/z-a/vm-1" });
      const dump = (await (await fetch(`${endpoints.admin}/world`)).json()) as {
        holders: Record<string, string>;
        history: { actor: string }[];
      };
      expect(dump.holders).toEqual({ "34.0.0.1": "gce://p/z-a/vm-1" });
      expect(dump.history.map((h) => h.actor)).toEqual(["admin"]);
      // The GCP front serves the same world.
      const list = (await (await fetch(`${endpoints.gcp}/compute/v1/projects/p/regions/z/addresses`)).json()) as {
        items: { status: string; users: string[] }[];
      };
      expect(list.items[0]).toMatchObject({ status: "IN_USE", users: [expect.stringMatching(/instances\/vm-1$/)] });
      expect(await post("/attach", { ip: "9.9.9.9", instance: "x" })).toMatchObject({
        error: expect.stringMatching(/not reserved/),
      });
      // Faults through the admin API: a latency range for one operation, and a scripted failure.
      await post("/faults", { front: "gcp", latency: { minMs: 300, maxMs: 400, operation: "addresses.list" } });
      await post("/faults", { front: "gcp", operation: "addresses.list", code: "rateLimitExceeded", status: 429 });
      const started = Date.now();
      const throttled = await fetch(`${endpoints.gcp}/compute/v1/projects/p/regions/z/addresses`);
      expect(throttled.status).toBe(429);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      // Asynchronous writes through the admin API: a GCP zonal Operation stays RUNNING; EC2 has none to slow down.
      await post("/faults", { front: "gcp", operationDuration: { minMs: 60_000, maxMs: 90_000 } });
      const instance = `${endpoints.gcp}/compute/v1/projects/p/zones/z-a/instances/vm-1`;
      const operation = (await (
        await fetch(`${instance}/deleteAccessConfig?networkInterface=nic0&accessConfig=external-nat`, {
          method: "POST",
        })
      ).json()) as { status: string };
      expect(operation.status).toBe("RUNNING");
      expect(await post("/faults", { front: "aws", operationDuration: { minMs: 1 } })).toMatchObject({
        error: expect.stringMatching(/no asynchronous operations/),
      });
    } finally {
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  });
});
