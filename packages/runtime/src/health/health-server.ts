import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export type HealthCheck = () => boolean;

/**
 * /healthz (liveness), /readyz (readiness) and /metrics on one port, with the Kubernetes conventions: "ok" and
 * 200 when every check passes, 500 naming the failed checks otherwise; `?verbose` lists each check.
 */
export class HealthServer {
  private readonly server: Server;
  private readonly liveness = new Map<string, HealthCheck>();
  private readonly readiness = new Map<string, HealthCheck>();

  constructor(private readonly registry: Registry) {
    this.server = createServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://localhost");
      if (url.pathname === "/metrics") {
        void registry.metrics().then(
          (text) => {
            response.writeHead(200, { "content-type": registry.contentType });
            response.end(text);
          },
          (error: unknown) => {
            response.writeHead(500);
            response.end(String(error));
          },
        );
        return;
      }
      const checks =
        url.pathname === "/healthz" ? this.liveness : url.pathname === "/readyz" ? this.readiness : undefined;
      if (!checks) {
        response.writeHead(404);
        response.end("not found\n");
        return;
      }
      const results = [...checks].map(([name, check]) => [name, safe(check)] as const);
      const failed = results.filter(([, ok]) => !ok).map(([name]) => name);
      const verbose = url.searchParams.has("verbose");
      const lines = verbose ? results.map(([name, ok]) => `[${ok ? "+" : "-"}]${name} ${ok ? "ok" : "failed"}`) : [];
      response.writeHead(failed.length === 0 ? 200 : 500, { "content-type": "text/plain; charset=utf-8" });
      const summary = failed.length === 0 ? "ok" : `failed: ${failed.join(", ")}`;
      response.end([...lines, summary].join("\n") + "\n");
    });
  }

  addLivenessCheck(name: string, check: HealthCheck): void {
    this.liveness.set(name, check);
  }

  addReadinessCheck(name: string, check: HealthCheck): void {
    this.readiness.set(name, check);
  }

  async listen(port: number, host = "0.0.0.0"): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, resolve);
    });
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function safe(check: HealthCheck): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
