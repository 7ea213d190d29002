import type { Registry } from "prom-client";
import { realClock, type Clock } from "./clock.js";
import { workQueueMetrics, type WorkQueueMetrics } from "./metrics.js";
import { defaultControllerRateLimiter, type RateLimiter, type RateLimiterOptions } from "./rate-limiters.js";

export interface WorkQueueOptions {
  name: string;
  clock?: Clock;
  rateLimiter?: RateLimiter;
  rateLimiterOptions?: RateLimiterOptions;
  registry?: Registry;
}

/** What a handler asks for after processing a key. */
export type HandlerResult = void | { requeueAfterMs?: number; requeue?: boolean };

/**
 * A keyed, rate-limited work queue with client-go's guarantees: a key is queued at most once (dirty set),
 * never processed by two workers at once (processing set), processed again if it was added while being
 * processed, delayed adds where the earliest deadline wins, per-key backoff combined with a global bucket,
 * and shutdown with drain.
 */
export class WorkQueue {
  readonly name: string;
  private readonly clock: Clock;
  private readonly rateLimiter: RateLimiter;
  private readonly metrics?: WorkQueueMetrics;
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Map<string, number>();
  private readonly addedAt = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; timer: unknown }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly drained: (() => void)[] = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions) {
    this.name = options.name;
    this.clock = options.clock ?? realClock;
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter(this.clock, options.rateLimiterOptions);
    if (options.registry) {
      this.metrics = workQueueMetrics(options.registry);
      this.metrics.sources.add(this);
    }
  }

  get length(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    this.cancelDelayed(key);
    if (this.dirty.has(key)) return;
    this.metrics?.adds.inc({ name: this.name });
    this.dirty.add(key);
    if (this.processing.has(key)) return; // re-run once the current run finishes
    this.enqueue(key);
  }

  /** Adds `key` after `delayMs`; an earlier pending deadline for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const at = this.clock.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) this.clock.clearTimeout(pending.timer);
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { at, timer });
  }

  addRateLimited(key: string): void {
    this.metrics?.retries.inc({ name: this.name });
    this.addAfter(key, this.rateLimiter.when(key));
  }

  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }

  /** The next key to process, waiting for one; undefined once shut down and empty. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.take(key));
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    const started = this.processing.get(key);
    this.processing.delete(key);
    if (started !== undefined)
      this.metrics?.workDuration.observe({ name: this.name }, (this.clock.now() - started) / 1000);
    if (this.dirty.has(key) && !this.shuttingDown) this.enqueue(key);
    else this.dirty.delete(key);
    if (this.processing.size === 0) for (const resolve of this.drained.splice(0)) resolve();
  }

  shutdown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) this.clock.clearTimeout(timer);
    this.delayed.clear();
    this.queue.length = 0;
    for (const resolve of this.waiters.splice(0)) resolve(undefined);
    this.metrics?.sources.delete(this);
    this.metrics?.depth.set({ name: this.name }, 0);
  }

  /** Shuts down and waits until in-flight work has finished. */
  async shutdownWithDrain(): Promise<void> {
    this.shutdown();
    if (this.processing.size > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  inFlightSeconds(): { unfinished: number; longest: number } {
    const now = this.clock.now();
    let unfinished = 0;
    let longest = 0;
    for (const started of this.processing.values()) {
      unfinished += (now - started) / 1000;
      longest = Math.max(longest, (now - started) / 1000);
    }
    return { unfinished, longest };
  }

  /**
   * Runs `concurrency` workers until shutdown. A handler that throws is retried with backoff; one that asks
   * for requeueAfterMs is added after that delay with its backoff reset; success forgets the key's failures.
   */
  async run(
    handler: (key: string) => Promise<HandlerResult>,
    { concurrency = 1, onError }: { concurrency?: number; onError?: (key: string, error: unknown) => void } = {},
  ): Promise<void> {
    const worker = async () => {
      for (let key = await this.get(); key !== undefined; key = await this.get()) {
        try {
          const result = await handler(key);
          if (result?.requeue) this.addRateLimited(key);
          else {
            this.forget(key);
            if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
          }
        } catch (error) {
          onError?.(key, error);
          this.addRateLimited(key);
        } finally {
          this.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  private enqueue(key: string): void {
    this.addedAt.set(key, this.clock.now());
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.take(key));
    else this.queue.push(key);
    this.metrics?.depth.set({ name: this.name }, this.queue.length);
  }

  private take(key: string): string {
    this.processing.set(key, this.clock.now());
    this.dirty.delete(key);
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (added !== undefined)
      this.metrics?.queueDuration.observe({ name: this.name }, (this.clock.now() - added) / 1000);
    this.metrics?.depth.set({ name: this.name }, this.queue.length);
    return key;
  }

  private cancelDelayed(key: string): void {
    const pending = this.delayed.get(key);
    if (!pending) return;
    this.clock.clearTimeout(pending.timer);
    this.delayed.delete(key);
  }
}
