import { validateSpec, type CloudProviderName, type NetIPAllocation } from "@ipac/api";
import { scopeOf, type AddressScope, type CloudProvider } from "@ipac/cloud";
import type { Logger } from "pino";

/**
 * Readies the cloud adapter of each provider and region the allocations use (SDK start-up, credentials,
 * connection) with one read, once per process, on every replica: a standby that takes over then moves IPs at
 * once instead of spending its first seconds there. Reads only; a failure is left to the reconciles to report.
 * A replica campaigns only after this (the SDKs' first load blocks the event loop for seconds, which a leader
 * cannot afford: it would miss its renewals).
 */
export class CloudWarmUp {
  private readonly seen = new Map<string, Promise<void>>();

  constructor(
    private readonly cloudFor: (provider: CloudProviderName) => CloudProvider | undefined,
    private readonly logger: Logger,
  ) {}

  /**
   * Readies every provider and region these allocations use, giving up waiting after `timeoutMs` (a cloud that
   * does not answer must not keep a replica from standing by; its reconciles report it).
   */
  async warmAll(allocations: Iterable<NetIPAllocation>, timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all([...allocations].map((allocation) => this.warm(allocation))), timeout]);
    clearTimeout(timer);
  }

  /** Resolves once the read for this allocation's provider and region is done (at once if one was made). */
  async warm(allocation: NetIPAllocation): Promise<void> {
    const validation = validateSpec(allocation.spec);
    if (!validation.valid) return;
    const scope = scopeOf(validation.spec);
    const key = `${scope.provider}/${scope.region ?? ""}`;
    let warming = this.seen.get(key);
    if (!warming) {
      warming = this.read(scope, validation.spec.reservedIPs);
      this.seen.set(key, warming);
    }
    await warming;
  }

  private async read(scope: AddressScope, ips: readonly string[]): Promise<void> {
    const started = performance.now();
    try {
      await this.cloudFor(scope.provider)?.describeAddresses(scope, ips);
      this.logger.info({ ...scope, ms: Math.round(performance.now() - started) }, "cloud adapter ready");
    } catch (error) {
      const err = error instanceof Error ? error.message : String(error);
      this.logger.warn({ ...scope, err }, "warming up the cloud adapter failed; reconciles will report it");
    }
  }
}
