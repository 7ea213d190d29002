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
  if (!kind) return toCloudError(error, { provider: "gcp", operation });
  return new CloudError(kind, message, {
    provider: "gcp",
    operation,
    cause: error,
    ...(kind === "RateLimited" ? { retryAfterMs: 2_000 } : {}),
  });
}
