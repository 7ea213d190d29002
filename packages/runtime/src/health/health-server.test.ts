import { Counter, Registry } from "prom-client";
import { HealthServer } from "./health-server.js";

describe("HealthServer", () => {
  it("serves /healthz, /readyz and /metrics with Kubernetes conventions", async () => {
    const registry = new Registry();
    new Counter({ name: "demo_total", help: "demo", registers: [registry] }).inc();
    const server = new HealthServer(registry);
    let synced = false;
    server.addLivenessCheck("ping", () => true);
    server.addReadinessCheck("informers-synced", () => synced);
    server.addReadinessCheck("broken", () => {
      throw new Error("x");
    });
    const port = await server.listen(0, "127.0.0.1");
    const get = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: response.status, body: await response.text() };
    };
    try {
      expect(await get("/healthz")).toEqual({ status: 200, body: "ok\n" });
      expect(await get("/readyz")).toEqual({ status: 500, body: "failed: informers-synced, broken\n" });
      synced = true;
      expect((await get("/readyz?verbose")).body).toBe("[+]informers-synced ok\n[-]broken failed\nfailed: broken\n");
      expect((await get("/metrics")).body).toContain("demo_total 1");
      expect((await get("/nope")).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
