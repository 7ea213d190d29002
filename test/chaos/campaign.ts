import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Simulator, type RequestRecord, type Violation } from "@ipac/cloud-sim";
import { freePort } from "@ipac/testenv";
import type { KubeConfig } from "@kubernetes/client-node";
import { ApiProxy } from "./api-proxy.js";
import {
  checkExits,
  checkLeaseFencing,
  convergenceProblems,
  type ExitRecord,
  type I1Violation,
  type LeaseRecord,
  replicaOf,
} from "./invariants.js";
import { LeaseRecorder } from "./lease-recorder.js";
import { LoopTicks } from "./loop-ticks.js";
import { Replica } from "./replicas.js";
import { FAULT_CLASSES, schedule, type FaultClass, type ScheduledEvent } from "./schedule.js";
import { ChaosWorld } from "./world.js";

/** The controller's production entry point, found from the workspace root (this file runs from test/chaos under
 * Jest and from test/dist/chaos under `make chaos`). */
function controllerMain(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "pnpm-workspace.yaml")) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, "packages/controller/dist/main.js");
}
const CONTROLLER_MAIN = controllerMain();
/** Zonal Operations take this long outside the stuck-operations fault (ms): GCP's usual 1–3 s, shortened a bit. */
const NORMAL_OPERATIONS = { minMs: 500, maxMs: 2_500 };
/** Clock granularity and loopback latency allowed around lease boundaries (ms). */
const TOLERANCE_MS = 150;
const INTRUDER = "chaos-intruder";

export interface Cluster {
  kubeConfig: KubeConfig;
  kubeconfigPath: string;
  server: string;
}

export interface CampaignOptions {
  replicas?: number;
  leaseSeconds?: number;
  chaosMs?: number;
  /** The bound within which I3 must hold after the faults stop. */
  convergeMs?: number;
  logDir: string;
}

export interface SeedResult {
  seed: number;
  schedule: ScheduledEvent[];
  /** Faults actually injected, by class (a "leader" fault with no leader at the time is skipped). */
  injected: Record<FaultClass, number>;
  i1: I1Violation[];
  i2: Violation[];
  i3: string[];
  i4: ExitRecord[];
  /** From the end of the faults until I3 held (undefined: not within the bound). */
  convergeMs?: number;
  /** Time base of the records printed for this seed (start of the chaos phase). */
  startedAt: number;
  leases: LeaseRecord[];
  writes: RequestRecord[];
  logDir: string;
  /** Seconds each phase took: setup (world and replicas up, converged), chaos, converge, teardown. */
  phases: Record<string, number>;
}

export function failed(result: SeedResult): boolean {
  return result.i1.length + result.i2.length + result.i3.length + result.i4.length > 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Runs one seed: starts the world and the replicas, plays the schedule, heals, and checks I1–I4. */
export async function runSeed(cluster: Cluster, seed: number, options: CampaignOptions): Promise<SeedResult> {
  const { replicas: replicaCount = 3, leaseSeconds = 6, chaosMs = 15_000, convergeMs = 30_000 } = options;
  const prefix = `chaos${seed}-${randomBytes(2).toString("hex")}`;
  const logDir = join(options.logDir, prefix);
  await mkdir(logDir, { recursive: true });
  const leaseName = `${prefix}-leader`;
  const sim = new Simulator();
  sim.ledger.permissive = true;
  sim.gcp.faults.operationDuration(NORMAL_OPERATIONS);
  const shared = await sim.start();
  const world = new ChaosWorld(cluster.kubeConfig, sim, prefix);
  const leases = new LeaseRecorder(cluster.kubeConfig, "default", leaseName);
  const ticks = new LoopTicks();
  ticks.start();
  const api = new URL(cluster.server);
  const proxies: ApiProxy[] = [];
  const replicas: Replica[] = [];
  const exits: ExitRecord[] = [];
  const names = Array.from({ length: replicaCount }, (_, i) => `${prefix}-r${i}`);
  const events = schedule(seed, { chaosMs, replicas: replicaCount, nodes: world.nodes.length });
  const injected = Object.fromEntries(FAULT_CLASSES.map((c) => [c, 0])) as Record<FaultClass, number>;
  let startedAt = Date.now();
  let convergedAfter: number | undefined;
  let i3: string[] = [];
  const phases: Record<string, number> = {};
  let phaseStart = Date.now();
  const phase = (name: string) => {
    phases[name] = Math.round((Date.now() - phaseStart) / 100) / 10;
    phaseStart = Date.now();
  };
  try {
    await world.create();
    await leases.start();
    const kubeconfig = await readFile(cluster.kubeconfigPath, "utf8");
    for (const name of names) {
      const proxy = new ApiProxy({ host: api.hostname, port: Number(api.port) });
      proxies.push(proxy);
      const port = await proxy.listen();
      const path = join(logDir, `${name}.kubeconfig`);
      await writeFile(path, kubeconfig.replace(cluster.server, `https://127.0.0.1:${port}`), { mode: 0o600 });
      const endpoints = await sim.addReplica(name);
      const replica = new Replica(
        name,
        CONTROLLER_MAIN,
        {
          KUBECONFIG: path,
          METRICS_PORT: String(await freePort()),
          LEASE_NAME: leaseName,
          LEASE_NAMESPACE: "default",
          LEASE_DURATION: String(leaseSeconds),
          POD_NAME: name,
          LOG_LEVEL: "info",
          GCE_METADATA_HOST: endpoints.env.GCE_METADATA_HOST!,
          GCP_COMPUTE_ENDPOINT: endpoints.gcp,
          GOOGLE_APPLICATION_CREDENTIALS: "",
        },
        logDir,
        exits,
      );
      replicas.push(replica);
      replica.start();
    }
    const converged = async (boundMs: number) => {
      const deadline = Date.now() + boundMs;
      for (;;) {
        const problems = convergenceProblems(await world.snapshot(shared.gcp));
        if (problems.length === 0 || Date.now() > deadline) return problems;
        await sleep(500);
      }
    };
    i3 = (await converged(120_000)).map((problem) => `before the faults: ${problem}`);
    phase("setup");
    if (i3.length > 0) return result();

    const leaderIndex = (fallback: number) => {
      const holder = names.indexOf(replicaOf(leases.holder() ?? "", names) ?? "");
      return holder >= 0 ? holder : fallback;
    };
    const running: Promise<unknown>[] = [];
    const lasting = (durationMs: number, start: () => void, end: () => void) => {
      start();
      running.push(sleep(durationMs).then(end));
    };
    const faults = sim.gcp.faults;
    // Mid-move faults wait for the move's request; each fires once.
    const armed = new Map<FaultClass, ScheduledEvent>();
    sim.gcp.beforeOperation = (operation, request) => {
      const replica = names.indexOf(request.replica);
      if (operation === "instances.addAccessConfig" && armed.delete("kill-mid-move")) {
        injected["kill-mid-move"]++;
        replicas[replica]?.kill();
        throw new Error("the caller was killed between its two GCP steps");
      }
      if (operation !== "instances.deleteAccessConfig") return;
      for (const kind of ["cut-mid-move", "lease-overwrite-mid-move"] as const) {
        const event = armed.get(kind);
        if (!event || !armed.delete(kind)) continue;
        injected[kind]++;
        const duration = event.durationMs!;
        lasting(
          duration,
          () => faults.operationDuration({ minMs: duration }),
          () => faults.operationDuration(NORMAL_OPERATIONS),
        );
        if (kind === "cut-mid-move")
          lasting(
            duration,
            () => proxies[replica]?.set("blackhole"),
            () => proxies[replica]?.set("pass"),
          );
        else running.push(leases.overwrite(INTRUDER, leaseSeconds).catch(() => undefined));
      }
    };
    const inject = async (event: ScheduledEvent) => {
      const kind = event.kind as FaultClass;
      const duration = event.durationMs ?? 0;
      // Replica 0 of a per-replica fault stands for the leader of the moment, the others for themselves.
      const target = event.replica === 0 ? leaderIndex(0) : (event.replica ?? 0);
      switch (kind) {
        case "kill-leader":
          replicas[leaderIndex(event.replica ?? 0)]!.kill();
          break;
        case "pause-leader": {
          const replica = replicas[leaderIndex(event.replica ?? 0)]!;
          lasting(
            duration,
            () => replica.pause(),
            () => replica.resume(),
          );
          break;
        }
        case "lease-overwrite":
          await leases.overwrite(INTRUDER, leaseSeconds);
          break;
        case "api-stall":
        case "api-blackhole":
        case "api-cut": {
          const proxy = proxies[target]!;
          const mode = kind === "api-stall" ? "stall" : kind === "api-blackhole" ? "blackhole" : "cut";
          lasting(
            duration,
            () => proxy.set(mode),
            () => proxy.set("pass"),
          );
          break;
        }
        case "api-outage":
          lasting(
            duration,
            () => proxies.forEach((p) => p.set("cut")),
            () => proxies.forEach((p) => p.set("pass")),
          );
          break;
        case "cloud-5xx":
        case "cloud-429": {
          const [code, status] = kind === "cloud-5xx" ? ["backendError", 503] : ["rateLimitExceeded", 429];
          lasting(
            duration,
            () => faults.errorRate(event.operation!, code, status, 0.7),
            () => faults.errorRate(event.operation!, code, status, 0),
          );
          break;
        }
        case "cloud-timeout":
          lasting(
            duration,
            () => faults.latency({ minMs: duration }, event.operation),
            () => faults.latency({ minMs: 0 }, event.operation),
          );
          break;
        case "stuck-operations":
          lasting(
            duration,
            () => faults.operationDuration({ minMs: duration }),
            () => faults.operationDuration(NORMAL_OPERATIONS),
          );
          break;
        case "kill-mid-move":
        case "cut-mid-move":
        case "lease-overwrite-mid-move":
          armed.set(kind, event);
          return;
      }
      injected[kind]++;
    };
    const work = async (event: ScheduledEvent) => {
      const node = world.nodes[event.node ?? 0]!;
      switch (event.kind) {
        case "cordon":
          return world.simulated.cordon(node);
        case "uncordon":
          return world.simulated.uncordon(node);
        case "drain":
          return world.simulated.drain(node, 10_000);
        case "fail-node":
          return world.simulated.fail(node);
        case "recover-node":
          return world.simulated.recover(node);
        case "edit-allocation":
          return world.toggleExtraIP();
      }
    };

    startedAt = Date.now();
    for (const event of events) {
      await sleep(startedAt + event.atMs - Date.now());
      const fault = (FAULT_CLASSES as readonly string[]).includes(event.kind);
      running.push((fault ? inject(event) : work(event)).catch(() => undefined));
    }
    armed.clear();
    sim.gcp.beforeOperation = undefined;
    // Faults started by the last requests may have been added meanwhile.
    while (running.length > 0) await Promise.all(running.splice(0));
    phase("chaos");
    await world.heal();
    const healedAt = Date.now();
    i3 = await converged(convergeMs);
    if (i3.length === 0) convergedAfter = Date.now() - healedAt;
    phase("converge");
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    leases.stop();
    ticks.stop();
    await Promise.all(proxies.map((p) => p.close()));
    await world.delete(leaseName).catch(() => undefined);
    await sim.stop();
    phase("teardown");
  }
  const outcome = result();
  // Everything the invariants were judged on, for a closer look at a failing seed.
  await writeFile(
    join(logDir, "records.json"),
    JSON.stringify({ ...outcome, requests: sim.ledger.requests, exits, history: sim.world.history }, null, 1),
  );
  return outcome;

  function result(): SeedResult {
    const renewDeadlineMs = (leaseSeconds * 1000 * 2) / 3;
    return {
      seed,
      schedule: events,
      injected,
      i1: checkLeaseFencing(sim.ledger.requests, leases.records, names, renewDeadlineMs, TOLERANCE_MS, (at) =>
        ticks.earliest(at),
      ),
      i2: [...sim.ledger.violations],
      i3,
      i4: checkExits(exits),
      ...(convergedAfter !== undefined ? { convergeMs: convergedAfter } : {}),
      startedAt,
      leases: leases.records,
      writes: sim.ledger.requests.filter((r) => r.write),
      logDir,
      phases,
    };
  }
}
