/** Fault injection for one wire front: latency and scripted failures per operation, and how long its
 * asynchronous writes stay in progress. */
export interface ScriptedFault {
  /** Error code in the cloud's vocabulary (e.g. RequestLimitExceeded), with its HTTP status. */
  code: string;
  status: number;
  remaining: number;
  /** For 429s: the Retry-After the front sends (seconds; default 1). */
  retryAfterSeconds?: number;
}

/** A latency drawn uniformly from [minMs, maxMs] (fixed at minMs without maxMs). */
export interface LatencyRange {
  minMs: number;
  maxMs?: number;
}

/** The operation name that sets the latency of every operation without one of its own. */
export const ANY_OPERATION = "*";

export class Faults {
  private readonly latencies = new Map<string, LatencyRange>();
  private readonly scripted = new Map<string, ScriptedFault>();
  private readonly rates = new Map<string, { code: string; status: number; probability: number }>();
  private asyncDuration: LatencyRange = { minMs: 0 };
  readonly calls = new Map<string, number>();

  constructor(private readonly random: () => number = Math.random) {}

  /** From now on, calls of `operation` (default: every operation) take this long; { minMs: 0 } removes it. */
  latency(range: LatencyRange, operation = ANY_OPERATION): void {
    if (range.minMs <= 0 && !range.maxMs) this.latencies.delete(operation);
    else this.latencies.set(operation, range);
  }

  /** From now on, each call of `operation` fails with `code`/`status` with this probability (0 stops it). */
  errorRate(operation: string, code: string, status: number, probability: number): void {
    if (probability <= 0) this.rates.delete(operation);
    else this.rates.set(operation, { code, status, probability });
  }

  /** The next `times` calls of `operation` fail with `code`/`status` (0 clears it). */
  failNext(operation: string, code: string, status: number, times = 1, retryAfterSeconds?: number): void {
    this.scripted.set(operation, {
      code,
      status,
      remaining: times,
      ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
    });
  }

  /** From now on, asynchronous writes (GCP zonal Operations, Azure long-running operations) stay in progress
   * this long before they finish; { minMs: 0 } makes them finish at once. */
  operationDuration(range: LatencyRange): void {
    this.asyncDuration = range;
  }

  /** How long the next asynchronous write stays in progress. */
  nextOperationDuration(): number {
    return this.draw(this.asyncDuration);
  }

  /** How long the next call of `operation` takes. */
  delayOf(operation: string): number {
    const range = this.latencies.get(operation) ?? this.latencies.get(ANY_OPERATION);
    return range ? this.draw(range) : 0;
  }

  /** Counts the call, waits its latency, and returns a scripted failure if one is due. */
  async enter(operation: string): Promise<ScriptedFault | undefined> {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    const delay = this.delayOf(operation);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay).unref());
    const fault = this.scripted.get(operation);
    if (fault && fault.remaining > 0) {
      fault.remaining--;
      return fault;
    }
    const rate = this.rates.get(operation);
    return rate && this.random() < rate.probability
      ? { code: rate.code, status: rate.status, remaining: 0 }
      : undefined;
  }

  private draw({ minMs, maxMs }: LatencyRange): number {
    return maxMs === undefined ? minMs : minMs + (maxMs - minMs) * this.random();
  }
}
