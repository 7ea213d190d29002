// A controller process for the benchmarks, started as production starts it (its entry point, configured by the
// environment), with what the benchmarks read of it: resident memory, its own metrics, its log lines.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { freePort, waitFor } from "@ipac/testenv";

const controllerMain = join(dirname(createRequire(import.meta.url).resolve("@ipac/controller")), "main.js");

export interface BenchController {
  child: ChildProcess;
  port: number;
  /** Log lines so far (JSON). */
  lines: string[];
  stop(): Promise<void>;
}

export async function startBenchController(
  env: Record<string, string>,
  nodeFlags: string[] = [],
): Promise<BenchController> {
  const port = await freePort();
  const child = spawn("node", [...nodeFlags, controllerMain], {
    env: { ...process.env, METRICS_PORT: String(port), LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  let rest = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split("\n");
    rest = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await waitFor(
    "controller ready",
    async () => ((await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok ? true : undefined),
    { timeoutMs: 120_000, intervalMs: 100 },
  );
  return {
    child,
    port,
    lines,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Resident set size of a process, MiB (what the kernel charges to a container's memory limit). */
export function rssMiB(pid: number): number {
  const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  return kib / 1024;
}

/** CPU time (user + system) of a process so far, in seconds. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The controller's metrics as name{labels} → value. */
export async function scrape(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** Sum of every sample of a metric whose labels contain all of `having` (e.g. `operation="attach"`). */
export function total(samples: Map<string, number>, metric: string, ...having: string[]): number {
  let sum = 0;
  for (const [key, value] of samples)
    if ((key === metric || key.startsWith(`${metric}{`)) && having.every((h) => key.includes(h))) sum += value;
  return sum;
}

export const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
