import { CloudError, parseRetryAfter, toCloudError, type CloudErrorKind } from "@ipac/cloud";

/** Azure RestError (statusCode, code) → the controller's error classes. */
export function azureError(error: unknown, operation: string): CloudError {
  if (error instanceof CloudError) return error;
  const status = Number((error as { statusCode?: unknown }).statusCode);
  const code = String((error as { code?: unknown }).code ?? "");
  const message = error instanceof Error ? `${code ? `${code}: ` : ""}${error.message}` : String(error);
  let kind: CloudErrorKind | undefined;
  if (/ZoneConstraint|InvalidResourceReference|BadRequest|InvalidParameter/i.test(code)) kind = "InvalidInput";
  else if (
    /InUse|Conflict|AnotherOperationInProgress|PreconditionFailed/i.test(code) ||
    status === 409 ||
    status === 412
  )
    kind = "Conflict";
  else if (status === 429) kind = "RateLimited";
  else if (status === 401 || status === 403 || /AuthorizationFailed|LinkedAuthorizationFailed/i.test(code))
    kind = "Permission";
  else if (status === 404 || /NotFound/i.test(code)) kind = "NotFound";
  else if (status === 400) kind = "InvalidInput";
  else if (status >= 500) kind = "Transient";
  if (!kind) return toCloudError(error, { provider: "azure", operation });
  const headers = (error as { response?: { headers?: { get?: (n: string) => string | undefined } } }).response?.headers;
  const retryAfterMs = kind === "RateLimited" ? parseRetryAfter(headers?.get?.("retry-after")) : undefined;
  return new CloudError(kind, message, {
    provider: "azure",
    operation,
    cause: error,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}
