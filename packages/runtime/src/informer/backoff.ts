/** Jittered exponential backoff for restarts; reset after a healthy period. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs = 200,
    private readonly maxMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const base = Math.min(this.initialMs * 2 ** this.attempt, this.maxMs);
    this.attempt++;
    return base * (0.5 + this.random() * 0.5);
  }

  reset(): void {
    this.attempt = 0;
  }
}
