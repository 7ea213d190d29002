/**
 * The one retry policy of the controller's writes and reads to the cloud and of its evictions (README, "Retries"):
 * per key (an allocation's cloud read, one IP's cloud writes, one pod's eviction), exponential backoff from
 * `baseMs` doubling to `maxMs`, never sooner than the Retry-After the other side asked for; a permanent failure
 * (permission, bad input, configuration) waits the allocation's reconcile interval. While a key waits, nothing is
 * sent for it, whatever event wakes the allocation: events bring new information, not permission to retry.
 * Success forgets the key. Pure bookkeeping: the clock is injected.
 */
export interface RetryEntry<D> {
  failures: number;
  retryAt: number;
  detail: D;
}

export interface FailureSpec {
  permanent: boolean;
  retryAfterMs?: number;
  /** The allocation's reconcileInterval, what a permanent failure waits. */
  intervalMs: number;
}

export const DEFAULT_BASE_MS = 1_000;
// Capped at 30 s, not client-go's 1000 s: an IP is a failover path, and a cloud back from an outage must see its
// retries within seconds (Retry-After still lengthens any single wait; permanent failures wait reconcileInterval).
export const DEFAULT_MAX_MS = 30_000;

export class RetryPolicy<D> {
  private readonly entries = new Map<string, RetryEntry<D>>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly baseMs = DEFAULT_BASE_MS,
    private readonly maxMs = DEFAULT_MAX_MS,
  ) {}

  /** Records a failure of `key`; returns the time of the next attempt. */
  failed(key: string, failure: FailureSpec, detail: D): number {
    const failures = (this.entries.get(key)?.failures ?? 0) + 1;
    const backoff = Math.min(this.baseMs * 2 ** (failures - 1), this.maxMs);
    const delay = failure.permanent ? failure.intervalMs : Math.max(backoff, failure.retryAfterMs ?? 0);
    const retryAt = this.now() + delay;
    this.entries.set(key, { failures, retryAt, detail });
    return retryAt;
  }

  succeeded(key: string): void {
    this.entries.delete(key);
  }

  /** The entry of a key that must not be tried yet, or undefined when it may be. */
  waiting(key: string): RetryEntry<D> | undefined {
    const entry = this.entries.get(key);
    return entry && entry.retryAt > this.now() ? entry : undefined;
  }

  /** Recorded failures (waiting or due) of the keys under `prefix`, by the rest of the key. */
  under(prefix: string): Map<string, RetryEntry<D>> {
    const found = new Map<string, RetryEntry<D>>();
    for (const [key, entry] of this.entries) if (key.startsWith(prefix)) found.set(key.slice(prefix.length), entry);
    return found;
  }

  /** The earliest retry time still to come under `prefix`, if any. */
  nextRetryAt(prefix: string): number | undefined {
    const now = this.now();
    let next: number | undefined;
    for (const [key, entry] of this.entries)
      if (key.startsWith(prefix) && entry.retryAt > now && (next === undefined || entry.retryAt < next))
        next = entry.retryAt;
    return next;
  }

  /**
   * Forgets the keys under `prefix` that were due and not tried again (after a pass, a key tried again has either
   * succeeded, and gone, or failed, and waits anew): what they were for no longer needs doing (the pod is gone,
   * the IP is where it should be, the spec changed).
   */
  dropDue(prefix: string): void {
    const now = this.now();
    for (const [key, entry] of [...this.entries])
      if (key.startsWith(prefix) && entry.retryAt <= now) this.entries.delete(key);
  }

  forget(prefix: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}
