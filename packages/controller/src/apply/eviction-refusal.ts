import { parseRetryAfter } from "@ipac/cloud";

/** Why the Eviction API said 429: the PodDisruptionBudget (by name, when the API server gave it) and how long to wait. */
export interface EvictionRefusal {
  message: string;
  budget?: string;
  retryAfterMs?: number;
}

interface StatusBody {
  message?: string;
  details?: { retryAfterSeconds?: number; causes?: { reason?: string; type?: string; message?: string }[] };
}

const BUDGET = /disruption budget (\S+)/;

/**
 * Reads the metav1.Status of a refused eviction (an ApiException of @kubernetes/client-node: `body` as text or
 * parsed, `headers`). The API server names the budget in a DisruptionBudget cause ("The disruption budget web-pdb
 * needs 2 healthy pods and has 2 currently").
 */
export function evictionRefusal(error: unknown): EvictionRefusal {
  const { body, headers } = error as { body?: unknown; headers?: Record<string, string | undefined> };
  const status = statusOf(body);
  const cause = status.details?.causes?.find((c) => (c.reason ?? c.type) === "DisruptionBudget");
  const message = cause?.message ?? status.message ?? "the API server answered 429 Too Many Requests";
  const budget = BUDGET.exec(message)?.[1];
  const seconds = status.details?.retryAfterSeconds;
  const retryAfterMs = parseRetryAfter(headers?.["retry-after"]) ?? (seconds ? seconds * 1000 : undefined);
  return {
    message: budget ? `PodDisruptionBudget ${budget}: ${message}` : message,
    ...(budget ? { budget } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}

function statusOf(body: unknown): StatusBody {
  try {
    return (typeof body === "string" ? JSON.parse(body) : (body ?? {})) as StatusBody;
  } catch {
    return { message: String(body) };
  }
}
