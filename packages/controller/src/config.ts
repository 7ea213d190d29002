import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { LOG_FORMATS, LOG_LEVELS, type LogFormat } from "./logger.js";

/** Controller settings: the existing controller's environment variables, plus flags that override them. */
export interface ControllerConfig {
  leaseName: string;
  leaseNamespace: string;
  leaseDurationSeconds: number;
  metricsPort: number;
  controllerVersion: string;
  /** Adds a `cluster` label to every metric when set. */
  clusterName?: string;
  podName: string;
  logLevel: string;
  /** `json` (level names, ISO time) or `gcp` (adds Cloud Logging's `severity`). */
  logFormat: LogFormat;
  /** Compute and report every action, write nothing to the cloud, nodes or pods. */
  dryRun: boolean;
  maxConcurrentReconciles: number;
}

const SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

/** Parses flags and environment; throws an Error with a clear message on invalid values. */
export function loadConfig(
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): ControllerConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      "dry-run": { type: "boolean" },
      "metrics-port": { type: "string" },
      "lease-name": { type: "string" },
      "lease-namespace": { type: "string" },
      "lease-duration": { type: "string" },
      "max-concurrent-reconciles": { type: "string" },
      "log-level": { type: "string" },
      "log-format": { type: "string" },
    },
    strict: true,
  });
  return {
    leaseName: values["lease-name"] ?? env.LEASE_NAME ?? "ip-address-controller-leader",
    leaseNamespace:
      values["lease-namespace"] ?? env.LEASE_NAMESPACE ?? env.POD_NAMESPACE ?? ownNamespace() ?? "default",
    leaseDurationSeconds: integer("LEASE_DURATION", values["lease-duration"] ?? env.LEASE_DURATION, 60, 2),
    metricsPort: integer("METRICS_PORT", values["metrics-port"] ?? env.METRICS_PORT, 9999, 0, 65535),
    controllerVersion: env.CONTROLLER_VERSION ?? "dev",
    clusterName: env.CLUSTER_NAME || undefined,
    podName: env.POD_NAME ?? hostname(),
    logLevel: oneOf("LOG_LEVEL", values["log-level"] ?? env.LOG_LEVEL, LOG_LEVELS, "info"),
    logFormat: oneOf("LOG_FORMAT", values["log-format"] ?? env.LOG_FORMAT, LOG_FORMATS, "json"),
    dryRun: values["dry-run"] ?? boolean("DRY_RUN", env.DRY_RUN),
    maxConcurrentReconciles: integer(
      "MAX_CONCURRENT_RECONCILES",
      values["max-concurrent-reconciles"] ?? env.MAX_CONCURRENT_RECONCILES,
      4,
      1,
    ),
  };
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function oneOf<T extends string>(name: string, raw: string | undefined, allowed: readonly T[], fallback: T): T {
  if (raw === undefined || raw === "") return fallback;
  if (!(allowed as readonly string[]).includes(raw))
    throw new Error(`${name} must be one of ${allowed.join(", ")}, got "${raw}"`);
  return raw as T;
}

function boolean(name: string, raw: string | undefined): boolean {
  if (raw === undefined || raw === "") return false;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

function ownNamespace(): string | undefined {
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, "utf8").trim();
  } catch {
    return undefined;
  }
}
