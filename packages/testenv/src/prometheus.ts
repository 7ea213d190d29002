import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.js";
import { waitFor } from "./wait.js";

export interface PrometheusOptions {
  /** The prometheus binary (chartTools().prometheus). */
  binary: string;
  job: string;
  /** host:port of each scrape target. */
  targets: string[];
  /** A rule file's content (groups: …). */
  rules: string;
  /** Scrape and rule evaluation interval (default 1 s, to keep tests short). */
  intervalSeconds?: number;
}

export interface Sample {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

export interface PrometheusAlert {
  labels: Record<string, string>;
  state: "pending" | "firing";
  activeAt: string;
}

/** A real Prometheus server on loopback, scraping the given targets and evaluating the given rules. */
export class PrometheusServer {
  private constructor(
    readonly url: string,
    private readonly stopProcess: () => Promise<void>,
  ) {}

  static async start(options: PrometheusOptions): Promise<PrometheusServer> {
    const dir = await mkdtemp(join(tmpdir(), "ipac-prometheus-"));
    const interval = `${options.intervalSeconds ?? 1}s`;
    await writeFile(join(dir, "rules.yaml"), options.rules);
    await writeFile(
      join(dir, "prometheus.yml"),
      JSON.stringify({
        global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
        rule_files: [join(dir, "rules.yaml")],
        scrape_configs: [{ job_name: options.job, static_configs: [{ targets: options.targets }] }],
      }),
    );
    const port = await freePort();
    const child = spawn(
      options.binary,
      [
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const url = `http://127.0.0.1:${port}`;
    const server = new PrometheusServer(url, async () => {
      child.kill("SIGTERM");
      await exited;
      await rm(dir, { recursive: true, force: true });
    });
    await waitFor("Prometheus ready", async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), {
      timeoutMs: 30_000,
    });
    return server;
  }

  /** An instant query (at `time`, seconds since the epoch; default now). */
  async query(expr: string, time?: number): Promise<Sample[]> {
    return this.api("query", { query: expr, ...(time ? { time: String(time) } : {}) });
  }

  async queryRange(expr: string, start: number, end: number, stepSeconds = 1): Promise<Sample[]> {
    return this.api("query_range", { query: expr, start: String(start), end: String(end), step: String(stepSeconds) });
  }

  /** The value of a query that returns one series (undefined when it returns none). */
  async scalar(expr: string): Promise<number | undefined> {
    const [sample] = await this.query(expr);
    return sample?.value ? Number(sample.value[1]) : undefined;
  }

  async alerts(): Promise<PrometheusAlert[]> {
    const response = await fetch(`${this.url}/api/v1/alerts`);
    return ((await response.json()) as { data: { alerts: PrometheusAlert[] } }).data.alerts;
  }

  stop(): Promise<void> {
    return this.stopProcess();
  }

  private async api(path: string, params: Record<string, string>): Promise<Sample[]> {
    const response = await fetch(`${this.url}/api/v1/${path}`, {
      method: "POST",
      body: new URLSearchParams(params),
    });
    const body = (await response.json()) as { status: string; error?: string; data: { result: Sample[] } };
    if (body.status !== "success") throw new Error(`${params.query}: ${body.error}`);
    return body.data.result;
  }
}
