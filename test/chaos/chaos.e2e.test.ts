import { tmpdir } from "node:os";
import { join } from "node:path";
import { sharedControlPlane } from "@ipac/testenv";
import { failed, runSeed } from "./campaign.js";
import { describeFailure } from "./report.js";
import { seedsFromEnv } from "./seeds.js";

// The short fault campaign: each seed runs three controller processes against the control plane and the GCP
// simulator under a random schedule of faults, and fails on any violation of I1–I4 (see README, Fault campaign).
// `make chaos SEEDS=1000` runs the long one.
describe("fault campaign (short)", () => {
  it.each(seedsFromEnv(10))(
    "seed %i: writes only inside the lease, never one IP on two instances, converges, no unexpected exit",
    async (seed) => {
      const cp = await sharedControlPlane();
      const result = await runSeed(
        { kubeConfig: cp.kubeConfig, kubeconfigPath: cp.kubeconfigPath, server: cp.server },
        seed,
        { logDir: join(tmpdir(), "ipac-chaos"), chaosMs: Number(process.env.CHAOS_MS || 12_000) },
      );
      console.log(`seed ${seed}: phases (s) ${JSON.stringify(result.phases)}, converged in ${result.convergeMs} ms`);
      if (failed(result)) throw new Error(describeFailure(result));
      expect(result.convergeMs).toBeDefined();
    },
    240_000,
  );
});
