/** The object an Event is about. */
export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
}

export type EventType = "Normal" | "Warning";

const AGGREGATION_WINDOW_MS = 10 * 60_000;

/** What to do with one recorded event, decided without I/O. */
export type EventDecision =
  | { kind: "create"; key: string }
  | { kind: "patch"; key: string; name: string; namespace: string; count: number }
  | { kind: "drop" };

interface Seen {
  name: string;
  namespace: string;
  count: number;
  lastMs: number;
}

/**
 * client-go's recorder logic: an identical event (object, type, reason, message) within 10 minutes bumps the
 * count of the existing Event instead of creating another; and a per-object token bucket (burst 25, one token
 * per 5 minutes) stops a hot loop from flooding the API.
 */
export class EventAggregator {
  private readonly seen = new Map<string, Seen>();
  private readonly buckets = new Map<string, { tokens: number; lastMs: number }>();

  constructor(
    private readonly burst = 25,
    private readonly refillEveryMs = 5 * 60_000,
  ) {}

  decide(object: InvolvedObject, type: EventType, reason: string, message: string, nowMs: number): EventDecision {
    const objectKey = `${object.kind}/${object.namespace ?? ""}/${object.name}/${object.uid ?? ""}`;
    if (!this.takeToken(objectKey, nowMs)) return { kind: "drop" };
    const key = `${objectKey}|${type}|${reason}|${message}`;
    const seen = this.seen.get(key);
    if (seen && nowMs - seen.lastMs < AGGREGATION_WINDOW_MS) {
      seen.count++;
      seen.lastMs = nowMs;
      return { kind: "patch", key, name: seen.name, namespace: seen.namespace, count: seen.count };
    }
    return { kind: "create", key };
  }

  /** Remembers the Event written for `key` so the next identical one patches it. */
  created(key: string, name: string, namespace: string, nowMs: number): void {
    this.seen.set(key, { name, namespace, count: 1, lastMs: nowMs });
    if (this.seen.size > 4096) this.evictOlderThan(nowMs - AGGREGATION_WINDOW_MS);
  }

  /** Forget an Event that is gone (e.g. a patch returned 404): the next one is created anew. */
  forget(key: string): void {
    this.seen.delete(key);
  }

  private takeToken(objectKey: string, nowMs: number): boolean {
    const bucket = this.buckets.get(objectKey) ?? { tokens: this.burst, lastMs: nowMs };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (nowMs - bucket.lastMs) / this.refillEveryMs);
    bucket.lastMs = nowMs;
    this.buckets.set(objectKey, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  private evictOlderThan(cutoffMs: number): void {
    for (const [key, seen] of this.seen) if (seen.lastMs < cutoffMs) this.seen.delete(key);
  }
}
