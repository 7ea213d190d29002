import { pino, type Logger } from "pino";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export const LOG_FORMATS = ["json", "gcp"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Cloud Logging's LogSeverity names for pino's levels. */
const SEVERITY: Record<string, string> = {
  trace: "DEBUG",
  debug: "DEBUG",
  info: "INFO",
  warn: "WARNING",
  error: "ERROR",
  fatal: "CRITICAL",
};

/**
 * JSON lines with the level as a name and an ISO timestamp, which log pipelines map without configuration.
 * `gcp` adds Cloud Logging's `severity` and puts the text in `message`, the fields its agent reads.
 */
export function createLogger(options: { level: string; format: LogFormat }, destination?: pino.DestinationStream) {
  const gcp = options.format === "gcp";
  return pino(
    {
      level: options.level,
      base: { component: "ip-address-controller" },
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(gcp ? { messageKey: "message" } : {}),
      formatters: {
        level: (label: string) => (gcp ? { level: label, severity: SEVERITY[label] ?? "DEFAULT" } : { level: label }),
      },
    },
    destination,
  ) as Logger;
}
