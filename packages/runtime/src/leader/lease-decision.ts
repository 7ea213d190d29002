/** The part of a Lease that leader election reads. */
export interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTimeMs?: number;
  renewTimeMs?: number;
  leaseTransitions?: number;
}

export type LeaseAction = "renew" | "acquire" | "wait";

/**
 * client-go's tryAcquireOrRenew decision. Expiry is judged on *local* observed time: the moment this process
 * last saw the record change, plus the lease duration — never the remote clock, which may be skewed.
 */
export function leaseAction(
  record: LeaseRecord,
  observedAtMs: number,
  nowMs: number,
  identity: string,
  defaultDurationSeconds: number,
): LeaseAction {
  if (record.holderIdentity === identity) return "renew";
  if (!record.holderIdentity) return "acquire";
  const durationMs = (record.leaseDurationSeconds ?? defaultDurationSeconds) * 1000;
  return observedAtMs + durationMs > nowMs ? "wait" : "acquire";
}

/** The record to write for a renew or an acquisition. */
export function nextRecord(
  record: LeaseRecord,
  action: "renew" | "acquire",
  identity: string,
  durationSeconds: number,
  nowMs: number,
): LeaseRecord {
  return {
    holderIdentity: identity,
    leaseDurationSeconds: durationSeconds,
    renewTimeMs: nowMs,
    acquireTimeMs: action === "renew" ? (record.acquireTimeMs ?? nowMs) : nowMs,
    leaseTransitions:
      action === "renew"
        ? (record.leaseTransitions ?? 0)
        : (record.leaseTransitions ?? 0) + (record.holderIdentity ? 1 : 0),
  };
}

export function sameRecord(a: LeaseRecord | undefined, b: LeaseRecord): boolean {
  return (
    a !== undefined &&
    a.holderIdentity === b.holderIdentity &&
    a.renewTimeMs === b.renewTimeMs &&
    a.acquireTimeMs === b.acquireTimeMs &&
    a.leaseTransitions === b.leaseTransitions &&
    a.leaseDurationSeconds === b.leaseDurationSeconds
  );
}
