// Scale on a real API server (testenv's kube-apiserver + etcd; no kubelet, scheduler or node lifecycle: nodes are
// made Ready by hand and pods bound directly) with the controller process on GCP against the simulator's Compute
// front at zero latency, so the controller's own overhead shows. Per step: memory after sync, time to sync and to
// converge, steady-state CPU, cloud calls and Kubernetes writes per minute, drain latency, and a burst of 10 % of
// the nodes cordoned at once. Usage: node test/dist/bench/scale-cluster.js [nodes/pods/allocations,...]
import { GROUP, IP_READY_LABEL, PLURAL, VERSION, installCRD, type NetIPAllocation } from "@ipac/api";
import { ComputeFront, World } from "@ipac/cloud-sim";
import { startControlPlane, waitFor, type ControlPlane } from "@ipac/testenv";
import {
  CoreV1Api,
  CustomObjectsApi,
  HttpMethod,
  PatchStrategy,
  RequestContext,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { fetch } from "undici";
import { cpuSeconds, mib, rssMiB, scrape, startBenchController, total } from "./controller-process.js";
import { IPS_PER_ALLOCATION, inParallel, instanceKey, ipsOf, nodeName, populate, type Step } from "./scale-world.js";

const STEADY_WINDOW_MS = Number(process.env.STEADY_WINDOW_S ?? 60) * 1000;
const DRAIN_SAMPLES = 20;
/** V8 flags for the controller process, to compare (e.g. CONTROLLER_NODE_FLAGS="--max-semi-space-size=4"). */
const CONTROLLER_NODE_FLAGS = (process.env.CONTROLLER_NODE_FLAGS ?? "").split(" ").filter(Boolean);
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

const steps: Step[] = (process.argv[2] ?? "500/10000/50,2000/40000/200,5000/100000/500").split(",").map((s) => {
  const [nodes, pods, allocations] = s.split("/").map(Number);
  return { nodes: nodes!, pods: pods!, allocations: allocations! };
});

const log = (line: string) => console.log(line);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

/** Writes the API server served by resource, but Lease renewals (the bench is quiet while this is read). */
async function apiWrites(cp: ControlPlane): Promise<Map<string, number>> {
  const context = new RequestContext(`${cp.server}/metrics`, HttpMethod.GET);
  await cp.kubeConfig.applySecurityAuthentication(context);
  const response = await fetch(`${cp.server}/metrics`, {
    headers: context.getHeaders(),
    dispatcher: context.getDispatcher() as never,
  });
  const byResource = new Map<string, number>();
  for (const line of (await response.text()).split("\n")) {
    if (!line.startsWith("apiserver_request_total{") || line.includes('resource="leases"')) continue;
    const verb = /verb="(POST|PUT|PATCH|DELETE|DELETECOLLECTION)"/.exec(line)?.[1];
    if (!verb) continue;
    const what = `${verb} ${/resource="([^"]*)"/.exec(line)?.[1]}${/subresource="([^"]+)"/.exec(line)?.[1] ? `/${/subresource="([^"]+)"/.exec(line)![1]}` : ""}`;
    byResource.set(what, (byResource.get(what) ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return byResource;
}

/** What was written between two readings of apiWrites, by resource. */
function writesBetween(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [what, count] of after)
    if (count - (before.get(what) ?? 0) > 0) delta.set(what, count - (before.get(what) ?? 0));
  return delta;
}

interface Row {
  step: string;
  syncS: number;
  convergeS: number;
  rss: number;
  peakRss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  cpuPerMin: number;
  cloudPerMin: number;
  writesPerMin: number;
  firstCallP50: number;
  firstCallP99: number;
  movedP50: number;
  movedP99: number;
  burstS: number;
  burstReconciles: number;
  burstCloudCalls: number;
}

async function runStep(step: Step): Promise<Row> {
  const name = `${step.nodes} / ${step.pods} / ${step.allocations}`;
  log(`\n== ${name} (nodes / pods / allocations)`);
  const cp = await startControlPlane({ simulateNodes: false });
  running.add(cp);
  const world = new World();
  const front = new ComputeFront(world, "proj");
  try {
    await installCRD(cp.kubeConfig);
    await populate(cp.kubeConfig, world, step, log);
    const { host, port } = await front.listen();
    const endpoint = `http://${host}:${port}`;
    const custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    const allocations = async () =>
      (
        (await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as {
          items: NetIPAllocation[];
        }
      ).items;
    const converged = async (avoid: Set<string> = new Set()) => {
      const items = await allocations();
      if (items.length !== step.allocations) return undefined;
      if (items.some((a) => a.status?.attachedCount !== IPS_PER_ALLOCATION)) return undefined;
      for (const a of items)
        for (const ip of a.spec.reservedIPs) {
          const holder = world.holderOf(ip);
          if (!holder || avoid.has(holder.name)) return undefined;
        }
      return true;
    };

    const started = performance.now();
    const controller = await startBenchController(
      {
        KUBECONFIG: cp.kubeconfigPath,
        LEASE_NAMESPACE: "default",
        LEASE_NAME: "bench-scale",
        LOG_LEVEL: "warn",
        GCP_COMPUTE_ENDPOINT: endpoint,
        GCE_METADATA_HOST: `${host}:${port}`,
        GOOGLE_APPLICATION_CREDENTIALS: "",
      },
      CONTROLLER_NODE_FLAGS,
    );
    running.add(controller);
    const pid = controller.child.pid!;
    const syncMs = performance.now() - started;
    log(`  controller synced: ${seconds(syncMs)} after start`);
    await waitFor("all allocations converged", converged, { timeoutMs: 900_000, intervalMs: 500 });
    const convergeMs = performance.now() - started;
    log(`  converged: ${seconds(convergeMs)} after start`);
    const afterSync = await scrape(controller.port);
    const memory = {
      rss: Math.round(rssMiB(pid)),
      heapUsed: mib(total(afterSync, "nodejs_heap_size_used_bytes")),
      heapTotal: mib(total(afterSync, "nodejs_heap_size_total_bytes")),
      external: mib(total(afterSync, "nodejs_external_memory_bytes")),
    };

    // Steady state: nothing changes for a window; count what the controller does anyway.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const before = {
      cpu: cpuSeconds(pid),
      calls: total(await scrape(controller.port), "netipallocation_cloud_api_duration_seconds_count"),
      writes: await apiWrites(cp),
      at: performance.now(),
    };
    await new Promise((resolve) => setTimeout(resolve, STEADY_WINDOW_MS));
    const minutes = (performance.now() - before.at) / 60_000;
    const steady = {
      cpuPerMin: (cpuSeconds(pid) - before.cpu) / minutes,
      cloudPerMin:
        (total(await scrape(controller.port), "netipallocation_cloud_api_duration_seconds_count") - before.calls) /
        minutes,
      writes: writesBetween(before.writes, await apiWrites(cp)),
    };
    const writesPerMin = [...steady.writes.values()].reduce((a, b) => a + b, 0) / minutes;
    const rssSteady = Math.round(rssMiB(pid));
    log(
      `  steady: ${steady.cpuPerMin.toFixed(2)} CPU s/min, ${steady.cloudPerMin.toFixed(0)} cloud calls/min, ${writesPerMin.toFixed(0)} writes/min ${JSON.stringify(Object.fromEntries(steady.writes))}; RSS ${rssSteady} MiB`,
    );

    // Drain latency: cordon one IP-holding node at a time (no workload pod runs: its IP moves at once).
    const firstCall: number[] = [];
    const moved: number[] = [];
    const cordon = (node: string, unschedulable: boolean) =>
      core.patchNode({ name: node, body: { spec: { unschedulable } } }, mergePatch);
    const sampled: string[] = [];
    for (let a = 0; a < Math.min(DRAIN_SAMPLES, step.allocations); a++) {
      const ip = ipsOf(a)[0]!;
      const holder = world.holderOf(ip)!;
      const index = Number(holder.name.replace("node-", ""));
      const since = front.ledger.requests.length;
      const t0 = Date.now();
      await cordon(holder.name, true);
      sampled.push(holder.name);
      const call = await waitFor(
        "first cloud call",
        () => front.ledger.requests.slice(since).find((r) => r.target === instanceKey(index)),
        { timeoutMs: 60_000, intervalMs: 2 },
      );
      firstCall.push(call.at - t0);
      await waitFor(
        "moved and labelled",
        async () => {
          const next = world.holderOf(ip);
          if (!next || next.name === holder.name) return undefined;
          return (await core.readNode({ name: next.name })).metadata?.labels?.[IP_READY_LABEL] === "true"
            ? true
            : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 5 },
      );
      moved.push(Date.now() - t0);
    }
    for (const node of sampled) await cordon(node, false);
    log(
      `  drain: node event -> first cloud call on its instance p50 ${percentile(firstCall, 50)} / p99 ${percentile(firstCall, 99)} ms; -> moved and labelled p50 ${percentile(moved, 50)} / p99 ${percentile(moved, 99)} ms (${firstCall.length} samples)`,
    );

    // Burst: 10 % of the nodes cordoned at once (pools of ten nodes).
    await waitFor("converged before the burst", converged, { timeoutMs: 120_000, intervalMs: 500 });
    // Node p + k·allocations is in pool p: each pool loses one of its nodes.
    const perPool = step.nodes / step.allocations;
    const burstNodes = Array.from({ length: step.allocations }, (_, p) =>
      nodeName(p + (p % perPool) * step.allocations),
    );
    const b0 = await scrape(controller.port);
    const tBurst = performance.now();
    await inParallel(burstNodes, 32, (node) => cordon(node, true));
    await waitFor("converged after the burst", () => converged(new Set(burstNodes)), {
      timeoutMs: 600_000,
      intervalMs: 200,
    });
    const burstMs = performance.now() - tBurst;
    const b1 = await scrape(controller.port);
    const burstReconciles =
      (total(b1, "netipallocation_reconcile_total") - total(b0, "netipallocation_reconcile_total")) / step.allocations;
    const burstCloudCalls =
      total(b1, "netipallocation_cloud_api_duration_seconds_count") -
      total(b0, "netipallocation_cloud_api_duration_seconds_count");
    log(
      `  burst of ${burstNodes.length} cordons: converged in ${seconds(burstMs)}, ${burstReconciles.toFixed(2)} reconciles per allocation, ${burstCloudCalls} cloud calls`,
    );
    const peakRss = Math.round(
      Number(/VmHWM:\s+(\d+)/.exec((await import("node:fs")).readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) /
        1024,
    );
    await controller.stop();
    running.delete(controller);
    return {
      step: name,
      syncS: syncMs / 1000,
      convergeS: convergeMs / 1000,
      ...memory,
      peakRss,
      cpuPerMin: steady.cpuPerMin,
      cloudPerMin: steady.cloudPerMin,
      writesPerMin,
      firstCallP50: percentile(firstCall, 50),
      firstCallP99: percentile(firstCall, 99),
      movedP50: percentile(moved, 50),
      movedP99: percentile(moved, 99),
      burstS: burstMs / 1000,
      burstReconciles,
      burstCloudCalls,
    };
  } finally {
    await front.close();
    await cp.stop();
    running.delete(cp);
  }
}

// Ctrl-C or a timeout stops the step's control plane too.
const running = new Set<{ stop(): Promise<void> }>();
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => void Promise.all([...running].map((r) => r.stop())).finally(() => process.exit(130)));

const rows: Row[] = [];
for (const step of steps) {
  try {
    rows.push(await runStep(step));
  } catch (error) {
    log(
      `  step ${step.nodes}/${step.pods}/${step.allocations} stopped: ${error instanceof Error ? error.message : String(error)}`,
    );
    break;
  }
}
log(
  "\n| nodes / pods / allocations | sync | converge | RSS after sync (heap used / total, external) | peak RSS | steady CPU | cloud calls/min | writes/min (no Lease) | event → first cloud call p50/p99 | → moved + labelled p50/p99 | burst 10 %: converge, reconciles/alloc, cloud calls |",
);
log("|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows)
  log(
    `| ${r.step} | ${r.syncS.toFixed(1)} s | ${r.convergeS.toFixed(1)} s | ${r.rss} MiB (${r.heapUsed} / ${r.heapTotal}, ${r.external}) | ${r.peakRss} MiB | ${r.cpuPerMin.toFixed(2)} s/min | ${r.cloudPerMin.toFixed(0)} | ${r.writesPerMin.toFixed(0)} | ${r.firstCallP50} / ${r.firstCallP99} ms | ${r.movedP50} / ${r.movedP99} ms | ${r.burstS.toFixed(1)} s, ${r.burstReconciles.toFixed(2)}, ${r.burstCloudCalls} |`,
  );
