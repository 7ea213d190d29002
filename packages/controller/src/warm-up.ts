import { validateSpec, type CloudProviderName, type NetIPAllocation } from "@ipac/api";
import { scopeOf, type CloudProvider } from "@ipac/cloud";
import type { Logger } from "pino";

/**
 * Readies the cloud adapter of each provider and region the allocations use (SDK start-up, credentials,
 * connection) with one read, once per process, on every replica: a standby that takes over then moves IPs at
 * once instead of spending its first seconds there. Reads only; a failure is left to the reconciles to report.
 */
export class CloudWarmUp {
  private readonly seen = new Set<string>();

  constructor(
    private readonly cloudFor: (provider: CloudProviderName) => CloudProvider | undefined,
    private readonly logger: Logger,
  ) {}

  /** Resolves once the read for this allocation's provider and region is done (at once if one was made). */
  async warm(allocation: NetIPAllocation): Promise<void> {
    const validation = validateSpec(allocation.spec);
    if (!validation.valid) return;
    const scope = scopeOf(validation.spec);
    const key = `${scope.provider}/${scope.region ?? ""}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const started = performance.now();
    try {
      await this.cloudFor(scope.provider)?.describeAddresses(scope, validation.spec.reservedIPs);
      this.logger.info({ ...scope, ms: Math.round(performance.now() - started) }, "cloud adapter ready");
    } catch (error) {
      const err = error instanceof Error ? error.message : String(error);
      this.logger.warn({ ...scope, err }, "warming up the cloud adapter failed; reconciles will report it");
    }
  }
}
