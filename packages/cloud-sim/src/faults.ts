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
  readonly calls = new Map<string, number>();

  /** The next `times` calls of `operation` fail with `code`/`status`. */
  failNext(operation: string, code: string, status: number, times = 1): void {
    this.scripted.set(operation, { code, status, remaining: times });
  }

  /** Counts the call, waits the latency, and returns a scripted failure if one is due. */
  async enter(operation: string): Promise<ScriptedFault | undefined> {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs).unref());
    const fault = this.scripted.get(operation);
    if (!fault || fault.remaining <= 0) return undefined;
    fault.remaining--;
    return fault;
  }
}
