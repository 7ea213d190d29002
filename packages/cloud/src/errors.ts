import type { CloudProviderName } from "@ipac/api";

/** How the controller treats a failed cloud call. */
export type CloudErrorKind = "NotFound" | "Conflict" | "RateLimited" | "Transient" | "Permission" | "InvalidInput";

export class CloudError extends Error {
  readonly kind: CloudErrorKind;
  readonly provider?: CloudProviderName;
  readonly operation?: string;
  /** For RateLimited: how long the cloud asked us to wait. */
  readonly retryAfterMs?: number;

  constructor(
    kind: CloudErrorKind,
    message: string,
    details: { provider?: CloudProviderName; operation?: string; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = "CloudError";
    this.kind = kind;
    this.provider = details.provider;
    this.operation = details.operation;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Worth retrying with backoff: throttling and transient failures. Conflicts resolve on the next read. */
export function isRetryable(error: unknown): boolean {
  return error instanceof CloudError && (error.kind === "RateLimited" || error.kind === "Transient");
}

/** The delay the cloud asked for, if any. */
export function retryDelayHint(error: unknown): number | undefined {
  return error instanceof CloudError ? error.retryAfterMs : undefined;
}

const TRANSIENT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "UND_ERR_SOCKET"]);

/** Classifies anything thrown by an SDK call that an adapter did not map itself; unknown failures are Transient. */
export function toCloudError(
  error: unknown,
  context: { provider?: CloudProviderName; operation?: string } = {},
): CloudError {
  if (error instanceof CloudError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const name = error instanceof Error ? error.name : "";
  const transient =
    name === "AbortError" || name === "TimeoutError" || (typeof code === "string" && TRANSIENT_CODES.has(code));
  return new CloudError("Transient", transient ? `${message} (${String(code ?? name)})` : message, {
    ...context,
    cause: error,
  });
}
