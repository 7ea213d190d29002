import { validateSpec, type CloudProviderName, type NetIPAllocation } from "@ipac/api";
import type { AddressScope, CloudProvider } from "@ipac/cloud";
import type { Logger } from "pino";

/**
 * Readies the cloud adapters the allocations use (SDK start-up, credentials, connection) with one read per
 * provider and region, on every replica: a standby that takes over then moves IPs at once instead of spending
 * its first seconds there. Reads only; failures are left to the first reconcile to report.
 */
export async function warmUpClouds(
  allocations: Iterable<NetIPAllocation>,
  cloudFor: (provider: CloudProviderName) => CloudProvider | undefined,
  logger: Logger,
): Promise<void> {
  const reads = new Map<string, { scope: AddressScope; ips: string[] }>();
  for (const allocation of allocations) {
    const validation = validateSpec(allocation.spec);
    if (!validation.valid) continue;
    const { provider, region, reservedIPs } = validation.spec;
    const key = `${provider}/${region ?? ""}`;
    if (!reads.has(key)) reads.set(key, { scope: { provider, ...(region ? { region } : {}) }, ips: reservedIPs });
  }
  await Promise.all(
    [...reads.values()].map(async ({ scope, ips }) => {
      const started = performance.now();
      try {
        await cloudFor(scope.provider)?.describeAddresses(scope, ips);
        logger.info({ ...scope, ms: Math.round(performance.now() - started) }, "cloud adapter ready");
      } catch (error) {
        const err = error instanceof Error ? error.message : String(error);
        logger.warn({ ...scope, err }, "warming up the cloud adapter failed; reconciles will report it");
      }
    }),
  );
}
