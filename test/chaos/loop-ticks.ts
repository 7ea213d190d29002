/**
 * The harness's own event-loop ticks. The simulator stamps a request when the harness's event loop handles it,
 * which on a loaded machine can be later than its arrival; the request arrived no earlier than the tick before.
 */
export class LoopTicks {
  private readonly ticks: number[] = [];
  private timer?: NodeJS.Timeout;

  start(intervalMs = 10): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  tick(at = Date.now()): void {
    this.ticks.push(at);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The earliest time a request stamped `at` may have arrived: the last tick strictly before it. */
  earliest(at: number): number {
    let low = 0;
    let high = this.ticks.length - 1;
    if (high < 0 || this.ticks[0]! >= at) return at;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (this.ticks[mid]! < at) low = mid;
      else high = mid - 1;
    }
    return this.ticks[low]!;
  }
}
