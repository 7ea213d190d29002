import type { CloudProviderName } from "@ipac/api";

/**
 * How the controller treats a failed cloud call. `Configuration`: the controller's own setup is missing something
 * (region, project, credentials) and the message says what to set. `Unknown`: nothing recognised it; retried with
 * backoff like a transient failure, but reported as what it is.
 */
export type CloudErrorKind =
  "NotFound" | "Conflict" | "RateLimited" | "Transient" | "Permission" | "InvalidInput" | "Configuration" | "Unknown";

/** What a NotFound was about, when the adapter knows: a missing instance makes its node gone. */
export type CloudResource = "instance" | "address";

export interface CloudErrorDetails {
  provider?: CloudProviderName;
  operation?: string;
  /** For RateLimited: how long the cloud asked us to wait. */
  retryAfterMs?: number;
  resource?: CloudResource;
  cause?: unknown;
}

export class CloudError extends Error {
  readonly kind: CloudErrorKind;
  readonly provider?: CloudProviderName;
  readonly operation?: string;
  readonly retryAfterMs?: number;
  readonly resource?: CloudResource;

  constructor(kind: CloudErrorKind, message: string, details: CloudErrorDetails = {}) {
    super(message, { cause: details.cause });
    this.name = "CloudError";
    this.kind = kind;
    this.provider = details.provider;
    this.operation = details.operation;
    this.retryAfterMs = details.retryAfterMs;
    this.resource = details.resource;
  }
}

/** Worth retrying with backoff: throttling, transient and unrecognised failures. Conflicts resolve on the next read. */
export function isRetryable(error: unknown): boolean {
  return (
    error instanceof CloudError &&
    (error.kind === "RateLimited" || error.kind === "Transient" || error.kind === "Unknown")
  );
}

const PERMANENT_KINDS: ReadonlySet<string> = new Set<CloudErrorKind>(["Permission", "InvalidInput", "Configuration"]);

/** Retrying soon cannot help: IAM, bad input or the controller's configuration must change first. */
export function isPermanent(error: unknown): boolean {
  return error instanceof CloudError && isPermanentKind(error.kind);
}

export function isPermanentKind(kind: string): boolean {
  return PERMANENT_KINDS.has(kind);
}

/** The delay the cloud asked for, if any. */
export function retryDelayHint(error: unknown): number | undefined {
  return error instanceof CloudError ? error.retryAfterMs : undefined;
}

/** A Retry-After header value (seconds, or an HTTP date) in milliseconds from `now`. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

const TRANSIENT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "UND_ERR_SOCKET"]);

/** SDK messages that mean the controller's setup lacks something, with what to set. */
const CONFIGURATION: [RegExp, string][] = [
  [/Region is missing/i, "set spec.cloud.region on the allocation (or AWS_REGION for the controller)"],
  [
    /Could not load credentials from any providers|CredentialsProviderError/i,
    "give the controller AWS credentials (IRSA / Pod Identity, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
  ],
  [/Unable to detect a Project Id/i, "set GOOGLE_CLOUD_PROJECT for the controller"],
  [
    /Could not load the default credentials/i,
    "give the controller GCP credentials (Workload Identity, or GOOGLE_APPLICATION_CREDENTIALS)",
  ],
  [
    /CredentialUnavailable|DefaultAzureCredential|EnvironmentCredential is unavailable/i,
    "give the controller Azure credentials (Workload Identity, or AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET)",
  ],
  [/AZURE_SUBSCRIPTION_ID/i, "set AZURE_SUBSCRIPTION_ID for the controller"],
];

/** The configuration a failure says is missing, as "what to set", or undefined. */
export function missingConfiguration(error: unknown): string | undefined {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return CONFIGURATION.find(([pattern]) => pattern.test(text))?.[1];
}

/**
 * Classifies anything thrown by an SDK call that an adapter did not map itself: connection failures and timeouts
 * are Transient, a missing region/project/credentials is Configuration, anything else is Unknown.
 */
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
  if (transient)
    return new CloudError("Transient", `${message} (${String(code ?? name)})`, { ...context, cause: error });
  const missing = missingConfiguration(error);
  if (missing) return new CloudError("Configuration", `${message}: ${missing}`, { ...context, cause: error });
  return new CloudError("Unknown", message, { ...context, cause: error });
}
