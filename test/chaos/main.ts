// The long fault campaign (`make chaos SEEDS=1000`, or SEED=n for one seed): its own control plane, one seed
// after another, a table at the end, and every failing seed's schedule and violating records.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startControlPlane } from "@ipac/testenv";
import { failed, runSeed, type SeedResult } from "./campaign.js";
import { campaignTable, describeFailure } from "./report.js";
import { seedsFromEnv } from "./seeds.js";

const cp = await startControlPlane();
// Ctrl-C stops the control plane too (a seed's controllers are children that die with this process's group).
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => void cp.stop().finally(() => process.exit(130)));
const results: SeedResult[] = [];
const started = Date.now();
try {
  for (const seed of seedsFromEnv(10)) {
    const result = await runSeed(cp, seed, { logDir: join(tmpdir(), "ipac-chaos") });
    results.push(result);
    console.log(
      `seed ${seed}: ${failed(result) ? "FAILED" : "ok"}, converged in ${result.convergeMs ?? "-"} ms, phases (s) ${JSON.stringify(result.phases)}`,
    );
    if (failed(result)) console.log(describeFailure(result));
  }
} finally {
  await cp.stop();
}
console.log(campaignTable(results, (Date.now() - started) / 1000 / Math.max(1, results.length)));
process.exit(results.some(failed) ? 1 : 0);
