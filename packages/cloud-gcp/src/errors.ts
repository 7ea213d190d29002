import { CloudError, toCloudError, type CloudErrorKind } from "@ipac/cloud";

// google-gax errors carry gRPC status codes (the REST transport maps HTTP statuses onto them); some carry the
// HTTP status instead.
const BY_CODE: Record<number, CloudErrorKind> = {
  3: "InvalidInput", // INVALID_ARGUMENT (400)
  4: "Transient", // DEADLINE_EXCEEDED
  5: "NotFound",
  6: "Conflict", // ALREADY_EXISTS
  7: "Permission",
  8: "RateLimited", // RESOURCE_EXHAUSTED (429)
  9: "Conflict", // FAILED_PRECONDITION
  10: "Conflict", // ABORTED
  13: "Transient",
  14: "Transient", // UNAVAILABLE
  16: "Permission", // UNAUTHENTICATED
  400: "InvalidInput",
  401: "Permission",
  403: "Permission",
  404: "NotFound",
  409: "Conflict",
  412: "Conflict",
  429: "RateLimited",
};

export function gcpError(error: unknown, operation: string): CloudError {
  if (error instanceof CloudError) return error;
  const code = Number((error as { code?: unknown }).code);
  const message = error instanceof Error ? error.message : String(error);
  let kind: CloudErrorKind | undefined = BY_CODE[code] ?? (code >= 500 && code < 600 ? "Transient" : undefined);
  // An address used by another resource comes back as 400: it is a conflict, not bad input.
  if (/already being used|resourceInUseByAnotherResource|RESOURCE_IN_USE/i.test(message)) kind = "Conflict";
  // Compute Engine answers some quota throttling with 403 rateLimitExceeded: throttled, not denied.
  if (/rate ?limit ?exceeded/i.test(message)) kind = "RateLimited";
  if (!kind) return toCloudError(error, { provider: "gcp", operation });
  const retryAfterMs = kind === "RateLimited" ? retryInfoDelay(error) : undefined;
  return new CloudError(kind, message, {
    provider: "gcp",
    operation,
    cause: error,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(kind === "NotFound" && operation.startsWith("instances.") ? { resource: "instance" as const } : {}),
  });
}

type Duration = string | { seconds?: number | string | { toNumber(): number }; nanos?: number };

/**
 * The delay of a google.rpc.RetryInfo detail, which Google APIs attach to throttling errors (gax decodes it into
 * statusDetails; the HTTP Retry-After header does not survive its REST transport).
 */
export function retryInfoDelay(error: unknown): number | undefined {
  const details = (error as { statusDetails?: unknown }).statusDetails;
  if (!Array.isArray(details)) return undefined;
  for (const detail of details as { retryDelay?: Duration }[]) {
    const delay = detail?.retryDelay;
    if (typeof delay === "string") {
      const seconds = Number(delay.replace(/s$/, ""));
      if (Number.isFinite(seconds)) return Math.round(seconds * 1000);
    } else if (delay && typeof delay === "object") {
      const raw = delay.seconds;
      const seconds = typeof raw === "object" ? raw.toNumber() : Number(raw ?? 0);
      return Math.round(seconds * 1000 + (delay.nanos ?? 0) / 1e6);
    }
  }
  return undefined;
}
