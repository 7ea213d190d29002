/** Fault injection for one wire front: latency and scripted failures per operation. */
export interface ScriptedFault {
  /** Error code in the cloud's vocabulary (e.g. RequestLimitExceeded), with its HTTP status. */
  code: string;
  status: number;
  remaining: number;
}

export class Faults {
  latencyMs = 0;
  private readonly scripted = new Map<string, ScriptedFault>();
  private readonly rates = new Map<string, { code: string; status: number; probability: number }>();
  readonly calls = new Map<string, number>();

  constructor(private readonly random: () => number = Math.random) {}

  /** From now on, each call of `operation` fails with `code`/`status` with this probability (0 stops it). */
  errorRate(operation: string, code: string, status: number, probability: number): void {
    if (probability <= 0) this.rates.delete(operation);
    else this.rates.set(operation, { code, status, probability });
  }

  /** The next `times` calls of `operation` fail with `code`/`status`. */
  failNext(operation: string, code: string, status: number, times = 1): void {
    this.scripted.set(operation, { code, status, remaining: times });
  }

  /** Counts the call, waits the latency, and returns a scripted failure if one is due. */
  async enter(operation: string): Promise<ScriptedFault | undefined> {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs).unref());
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
}
