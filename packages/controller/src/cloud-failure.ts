import { toCloudError, type CloudErrorKind } from "@ipac/cloud";

/** A failed cloud call in the few words an Event, a condition and a log line need. */
export interface CloudFailure {
  errorClass: CloudErrorKind;
  /** The cloud's own error code (gRPC/HTTP status, AWS or Azure error code), when it gave one. */
  code?: string;
  /** The cloud's first message: one line, without SDK retry wrappers. */
  message: string;
}

const MAX_MESSAGE = 200;
/** google-gax wraps the last error of its retries: "Total timeout … retrying error Error: X before any response …". */
const GAX_RETRY = /retrying error (?:\w*Error: )?(.*?)\s*before any response was received/s;

export function cloudFailure(error: unknown): CloudFailure {
  const classified = toCloudError(error);
  const causes: unknown[] = [];
  for (let e: unknown = classified; e && causes.length < 5; e = (e as { cause?: unknown }).cause) causes.push(e);
  const code = causes.map(cloudCode).find((c) => c !== undefined);
  const raw = (causes.at(-1) instanceof Error ? (causes.at(-1) as Error).message : classified.message) || "";
  const unwrapped = GAX_RETRY.exec(raw)?.[1] ?? raw;
  const line = unwrapped.split("\n").find((l) => l.trim() !== "") ?? "";
  const message = line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 1)}…` : line;
  return { errorClass: classified.kind, ...(code ? { code } : {}), message: message.trim() };
}

/** "attach 1.2.3.4 to node n1 failed: Transient (503): Service Unavailable" */
export function cloudFailureText(what: string, failure: CloudFailure): string {
  return `${what} failed: ${failure.errorClass}${failure.code ? ` (${failure.code})` : ""}: ${failure.message}`;
}

function cloudCode(error: unknown): string | undefined {
  if (!error || typeof error !== "object") return undefined;
  const e = error as { code?: unknown; Code?: unknown; name?: unknown; $metadata?: unknown; statusCode?: unknown };
  if (typeof e.Code === "string") return e.Code; // AWS
  if (e.$metadata && typeof e.name === "string") return e.name; // AWS SDK v3 service exceptions
  if (typeof e.code === "string" || typeof e.code === "number") return String(e.code); // gax, Azure, sockets
  if (typeof e.statusCode === "number") return String(e.statusCode);
  return undefined;
}
