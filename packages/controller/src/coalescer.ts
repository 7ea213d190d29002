import type { WorkQueue } from "@ipac/runtime";

/**
 * A leading-edge throttle in front of the work queue: the first add of a key goes in at once; adds within
 * `windowMs` after it are folded into one add at the window's end, and so on: at most one add per window per key
 * (the queue keeps the earliest pending time).
 */
export class Coalescer {
  private readonly lastAdd = new Map<string, number>();

  constructor(
    private readonly queue: Pick<WorkQueue, "add" | "addAfter">,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  add(key: string): void {
    const now = this.now();
    const last = this.lastAdd.get(key) ?? -Infinity; // the latest add, done or scheduled
    if (now >= last + this.windowMs) {
      this.lastAdd.set(key, now);
      this.queue.add(key);
    } else if (last > now) {
      this.queue.addAfter(key, last - now); // already scheduled: the queue keeps that time
    } else {
      this.lastAdd.set(key, last + this.windowMs);
      this.queue.addAfter(key, last + this.windowMs - now);
    }
  }
}
