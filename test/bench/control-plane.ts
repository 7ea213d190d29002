// Figures of the local control plane: start-up time to ready (cached binaries) and resident memory
// of its processes with N simulated nodes. Usage: node test/dist/bench/control-plane.js [nodes=100]
import { readFileSync } from "node:fs";
import { SimulatedNodes, startControlPlane } from "@ipac/testenv";

const nodeCount = Number(process.argv[2] ?? 100);

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kib / 1024;
}

function processName(pid: number): string {
  return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
}

const started = performance.now();
const cp = await startControlPlane();
const readyMs = performance.now() - started;
try {
  const nodes = new SimulatedNodes(cp.kubeConfig);
  const nodesStarted = performance.now();
  await nodes.createReady(
    Array.from({ length: nodeCount }, (_, i) => ({
      name: `bench-node-${i}`,
      zone: `zone-${i % 3}`,
      providerID: `gce://bench/zone-${i % 3}/bench-node-${i}`,
    })),
  );
  const nodesMs = performance.now() - nodesStarted;
  // Let heartbeats run for a while so memory reflects steady state, not just start-up.
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const rows = cp.pids.map((pid) => ({ process: processName(pid), rssMiB: Math.round(rssMiB(pid)) }));
  console.log(`control plane ready (cached binaries): ${(readyMs / 1000).toFixed(1)} s`);
  console.log(`${nodeCount} simulated nodes Ready: ${(nodesMs / 1000).toFixed(1)} s`);
  console.table(rows);
  console.log(`total RSS with ${nodeCount} nodes: ${rows.reduce((sum, row) => sum + row.rssMiB, 0)} MiB`);
} finally {
  await cp.stop();
}
