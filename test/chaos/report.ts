import { failed, type SeedResult } from "./campaign.js";
import { FAULT_CLASSES } from "./schedule.js";

/** A failing seed, readable on its own: how to rerun it, its schedule, and the violating records (times in ms
 * from the start of the chaos phase). */
export function describeFailure(result: SeedResult): string {
  const t = (at: number) => `${at - result.startedAt >= 0 ? "+" : ""}${at - result.startedAt}`;
  const lines = [
    `seed ${result.seed} failed (rerun: SEED=${result.seed}); controller logs and records.json in ${result.logDir}`,
    `time base: ${new Date(result.startedAt).toISOString()} (${result.startedAt})`,
  ];
  lines.push("schedule:");
  for (const e of result.schedule) {
    const detail = [
      e.replica !== undefined ? `replica ${e.replica === 0 ? "0/leader" : e.replica}` : "",
      e.node !== undefined ? `node ${e.node}` : "",
      e.durationMs !== undefined ? `${e.durationMs} ms` : "",
      e.operation ?? "",
    ].filter(Boolean);
    lines.push(`  +${e.atMs} ${e.kind} ${detail.join(", ")}`);
  }
  for (const v of result.i1) {
    const w = v.write;
    lines.push(`I1 ${t(w.at)} ${w.replica} ${w.operation} ${w.target ?? ""} ${w.ip ?? ""} → ${w.outcome}: ${v.reason}`);
    if (v.lease) lines.push(`     its lease: renewed ${t(v.lease.renewTime)} (seen ${t(v.lease.seenAt)})`);
    if (v.takenBy) lines.push(`     taken by ${v.takenBy.holder} at ${t(v.takenBy.renewTime)}`);
  }
  if (result.i1.length > 0) {
    lines.push("  lease versions:");
    for (const l of result.leases) lines.push(`     ${t(l.renewTime)} ${l.holder} (seen ${t(l.seenAt)})`);
  }
  for (const v of result.i2) lines.push(`I2 ${t(v.at)} ${v.ip} on ${v.from} and ${v.to} (request from ${v.replica})`);
  for (const p of result.i3) lines.push(`I3 ${p}`);
  for (const e of result.i4) lines.push(`I4 ${t(e.at)} ${e.replica} exited with code ${e.code} signal ${e.signal}`);
  return lines.join("\n");
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number | undefined {
  return sorted.length === 0
    ? undefined
    : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The campaign's table: seeds, faults injected by class, violations per invariant, time to converge. */
export function campaignTable(results: SeedResult[], secondsPerSeed: number): string {
  const sum = (f: (r: SeedResult) => number) => results.reduce((n, r) => n + f(r), 0);
  const converge = results.flatMap((r) => (r.convergeMs !== undefined ? [r.convergeMs] : [])).sort((a, b) => a - b);
  const seconds = (ms: number | undefined) => (ms === undefined ? "-" : `${(ms / 1000).toFixed(1)} s`);
  const rows: [string, string][] = [
    ["seeds", String(results.length)],
    [
      "failing seeds",
      results
        .filter(failed)
        .map((r) => r.seed)
        .join(" ") || "none",
    ],
    ["time per seed", `${secondsPerSeed.toFixed(1)} s`],
    ...FAULT_CLASSES.map((c): [string, string] => [`faults: ${c}`, String(sum((r) => r.injected[c]))]),
    ["I1 writes outside the lease", String(sum((r) => r.i1.length))],
    ["I2 IPs on two instances", String(sum((r) => r.i2.length))],
    ["I3 not converged within the bound", String(sum((r) => (r.i3.length > 0 ? 1 : 0)))],
    ["I4 unexpected process exits", String(sum((r) => r.i4.length))],
    ["time to converge p50", seconds(percentile(converge, 50))],
    ["time to converge p99", seconds(percentile(converge, 99))],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v} |`).join("\n");
}
