import { CloudError, parseRetryAfter, toCloudError, type CloudErrorKind } from "@ipac/cloud";

// EC2 error codes (the SDK puts them in error.name) → the controller's error classes.
const KINDS: [RegExp, CloudErrorKind][] = [
  [/^Resource\.AlreadyAssociated$/, "Conflict"],
  [/\.NotFound$|^InvalidInstanceID\.Malformed$|^InvalidAllocationID\.Malformed$/, "NotFound"],
  [/^(RequestLimitExceeded|Throttling|ThrottlingException|RequestThrottled)$/, "RateLimited"],
  [/^(UnauthorizedOperation|AuthFailure|AccessDenied|OptInRequired|Blocked)/, "Permission"],
  [
    /^(InvalidParameter|MissingParameter|InvalidInput|IncorrectInstanceState|InvalidState|InvalidInstanceID$)/,
    "InvalidInput",
  ],
  [/^(InternalError|InternalFailure|ServiceUnavailable|Unavailable)$/, "Transient"],
];

export function ec2Error(error: unknown, operation: string): CloudError {
  const name = (error as { name?: string }).name ?? "";
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const message = error instanceof Error ? `${name}: ${error.message}` : String(error);
  const kind =
    KINDS.find(([pattern]) => pattern.test(name))?.[1] ??
    (status !== undefined && status >= 500 ? "Transient" : undefined);
  if (!kind) return toCloudError(error, { provider: "aws", operation });
  // The SDK keeps the raw response on its errors: EC2 (and proxies in front of it) may say how long to wait.
  const headers = (error as { $response?: { headers?: Record<string, string | undefined> } }).$response?.headers;
  const retryAfterMs = kind === "RateLimited" ? parseRetryAfter(headers?.["retry-after"]) : undefined;
  return new CloudError(kind, message, {
    provider: "aws",
    operation,
    cause: error,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(kind === "NotFound" && /^InvalidInstanceID/.test(name) ? { resource: "instance" as const } : {}),
  });
}
