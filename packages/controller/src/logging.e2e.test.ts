import { createInterface } from "node:readline";
import { ComputeFront } from "@ipac/cloud-sim";
import { freePort, waitFor } from "@ipac/testenv";
import { Harness, type ControllerProcess, gcpProcessEnv } from "../test/e2e-harness.js";

const IPS = ["34.122.0.1"];

// What an operator reads: the controller process as in production, its log lines on stdout in Cloud Logging's
// format, through a steady state, a GCP outage and a SIGTERM.
describe("controller logs", () => {
  const h = new Harness(`log-${Date.now().toString(36)}`);
  const front = new ComputeFront(h.world, "proj");
  const name = `${h.prefix}-app`;
  const lines: Record<string, unknown>[] = [];
  let controller: ControllerProcess;
  let port = 0;

  /** netipallocation_reconcile_total of one status, read from the process's /metrics. */
  const reconciles = async (status: string) => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const line = text
      .split("\n")
      .find((l) => l.startsWith(`netipallocation_reconcile_total{crd_name="${name}",status="${status}"`));
    return line ? Number(line.split(" ").pop()) : 0;
  };

  beforeAll(async () => {
    await h.setUp();
    const { host, port: gcpPort } = await front.listen();
    const endpoint = `http://${host}:${gcpPort}`;
    await h.addNodes(["a", "b"], "us-west1-a");
    h.reserve(IPS, "gcp", "us-west1");
    port = await freePort();
    controller = await h.spawnController(
      `${h.prefix}-0`,
      {
        ...gcpProcessEnv(endpoint),
        METRICS_PORT: String(port),
        LOG_LEVEL: "info",
        LOG_FORMAT: "gcp",
      },
      10, // leadership is not what this test is about: a long lease rides out a loaded machine
      "pipe",
    );
    createInterface({ input: controller.child.stdout! }).on("line", (line) => lines.push(JSON.parse(line)));
  });

  afterAll(async () => {
    await h.deleteAllocation(name).catch(() => undefined);
    await front.close();
    await h.tearDown();
  });

  it("logs level names, ISO times and Cloud Logging severities; nothing in a steady state", async () => {
    await waitFor("controller started", () => lines.find((l) => l.message === "controller started"));
    await h.createAllocation(name, {
      reservedIPs: IPS,
      cloud: { provider: "gcp", region: "us-west1" },
      reconcileInterval: 5,
    });
    await h.waitConverged(name, IPS);
    for (const line of lines) {
      expect(line).toMatchObject({ level: expect.stringMatching(/^(info|warn)$/), severity: expect.any(String) });
      expect(new Date(line.time as string).toISOString()).toBe(line.time);
    }
    expect(
      lines.some((l) => l.level === "info" && l.severity === "INFO" && /attach 34.122.0.1/.test(String(l.message))),
    ).toBe(true);

    // Two more reconciles (the 5 s resync): not one line.
    const logged = lines.length;
    const done = await reconciles("success");
    await waitFor(
      "two periodic reconciles",
      async () => ((await reconciles("success")) >= done + 2 ? true : undefined),
      {
        timeoutMs: 30_000,
        intervalMs: 250,
      },
    );
    expect(lines.slice(logged)).toEqual([]);
  });

  it("logs a repeating GCP failure once, at warn, with what failed and why; counts its reconciles as errors", async () => {
    const logged = lines.length;
    // A permission error: the SDK does not retry it (a 503 it retries for ~19 s per call), so reconciles fail fast.
    front.faults.failNext("addresses.list", "forbidden", 403, 1_000_000);
    await waitFor("five failed reconciles", async () => ((await reconciles("error")) >= 5 ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    front.faults.failNext("addresses.list", "forbidden", 403, 0);
    const outage = lines.slice(logged);
    expect(outage).toEqual([
      expect.objectContaining({
        level: "warn",
        severity: "WARNING",
        message: "cannot read gcp addresses",
        allocation: name,
        operation: "describeAddresses",
        errorClass: "Permission",
        code: expect.any(String),
        err: expect.any(String),
      }),
    ]);
    // The condition says the same in a few words.
    const condition = (await h.allocation(name)).status?.conditions?.find((c) => c.type === "CloudError");
    expect(condition?.message).toMatch(/^read gcp addresses failed: Permission \(\w+\): /);
    expect(condition!.message!.length).toBeLessThan(300);
  });

  it("reports a repeating attach failure in one short CloudError Event whose count grows, and one log line", async () => {
    const logged = lines.length;
    h.reserve(["34.122.0.2"], "gcp", "us-west1");
    front.faults.failNext("instances.addAccessConfig", "forbidden", 403, 1_000_000);
    await h.patchAllocation(name, { spec: { reservedIPs: [...IPS, "34.122.0.2"] } });
    const event = await waitFor(
      "a CloudError Event seen three times",
      async () => (await h.events(name)).find((e) => e.reason === "CloudError" && (e.count ?? 1) >= 3),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    front.faults.failNext("instances.addAccessConfig", "forbidden", 403, 0);
    expect(event.message).toMatch(/^attach 34\.122\.0\.2 to node \S+ failed: Permission \(\w+\): .{1,200}$/);
    expect(
      (await h.events(name)).filter((e) => e.reason === "CloudError" && /34\.122\.0\.2/.test(e.message ?? "")),
    ).toHaveLength(1);
    const attachFailures = lines.slice(logged).filter((l) => l.operation === "attach");
    expect(attachFailures).toEqual([
      expect.objectContaining({ level: "warn", allocation: name, ip: "34.122.0.2", errorClass: "Permission" }),
    ]);
  });

  it("says why it stops on SIGTERM, and exits 0", async () => {
    controller.child.kill("SIGTERM");
    expect(await controller.exited).toBe(0);
    expect(lines.at(-1)).toMatchObject({ level: "info", message: "stopping: SIGTERM", leader: true });
  });
});
