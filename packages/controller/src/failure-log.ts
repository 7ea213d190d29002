import type { Logger } from "pino";

const REMEMBERED = 1_000;

/**
 * Logs every failure, without flooding: the first occurrence of a failure (by key: what failed, where, and the
 * error class) is logged at once; while it repeats, at most one line per interval, carrying how many were
 * suppressed meanwhile. A retry loop in an outage so logs one line per failing operation per minute.
 */
export class FailureLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** `logger`: a child logger carrying context fields (default: the one given at construction). */
  warn(key: string, fields: Record<string, unknown>, message: string, logger?: Logger): void {
    this.log("warn", key, fields, message, logger);
  }

  error(key: string, fields: Record<string, unknown>, message: string, logger?: Logger): void {
    this.log("error", key, fields, message, logger);
  }

  private log(
    level: "warn" | "error",
    key: string,
    fields: Record<string, unknown>,
    message: string,
    logger = this.logger,
  ): void {
    const now = this.now();
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    logger[level]({ ...fields, ...(seen?.suppressed ? { repeated: seen.suppressed } : {}) }, message);
    this.last.delete(key); // re-inserted last: the map stays in logging order for the trim below
    this.last.set(key, { at: now, suppressed: 0 });
    if (this.last.size > REMEMBERED) this.last.delete(this.last.keys().next().value!);
  }
}

/** The fields every failure line carries about the error: its message and class (HTTP status or error name). */
export function errorFields(error: unknown): { err: string; errorClass: string } {
  const status =
    (error as { code?: unknown; statusCode?: unknown } | null)?.statusCode ??
    (error as { code?: unknown } | null)?.code;
  const errorClass = typeof status === "number" ? `HTTP ${status}` : error instanceof Error ? error.name : typeof error;
  return { err: error instanceof Error ? error.message : String(error), errorClass };
}
