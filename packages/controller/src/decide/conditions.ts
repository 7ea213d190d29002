import type { Condition } from "@ipac/api";

/** Builds a condition, keeping lastTransitionTime when the status did not change (metav1.Condition rules). */
export function condition(
  previous: readonly Condition[] | undefined,
  type: string,
  status: Condition["status"],
  reason: string,
  message: string,
  generation: number,
  now: number,
): Condition {
  const before = previous?.find((c) => c.type === type);
  const lastTransitionTime = before && before.status === status ? before.lastTransitionTime : iso(now);
  return { type, status, observedGeneration: generation, lastTransitionTime, reason, message };
}

/** True when the condition was not already in this status with this message: events fire on transitions only. */
export function changed(previous: readonly Condition[] | undefined, next: Condition): boolean {
  const before = previous?.find((c) => c.type === next.type);
  return !before || before.status !== next.status || before.message !== next.message;
}

/** A metav1.Time: RFC 3339 in UTC, whole seconds. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}
