import { isIP } from "node:net";
import {
  CLOUD_PROVIDERS,
  DEFAULT_MOVE_COOLDOWN_SECONDS,
  DEFAULT_NOT_READY_GRACE_SECONDS,
  DEFAULT_RECONCILE_INTERVAL_SECONDS,
  DELETION_POLICIES,
  MAX_RECONCILE_INTERVAL_SECONDS,
  MIN_RECONCILE_INTERVAL_SECONDS,
  WORKLOAD_KINDS,
  type CloudProviderName,
  type DeletionPolicy,
  type SpecValidation,
  type ValidatedSpec,
  type WorkloadKind,
} from "./types.js";
import { labelKeyError, labelValueError } from "./label-syntax.js";

// The controller's own check of a spec. The CRD schema rejects most bad input, but objects created under an
// older CRD, or on a server without CEL, can still arrive: they get a clear InvalidSpec, never a crash.

type Obj = Record<string, unknown>;
const isObject = (value: unknown): value is Obj => typeof value === "object" && value !== null && !Array.isArray(value);

/** Canonical text of an IP literal (IPv6 lower-case and compressed), or undefined when it is not one. */
export function canonicalIP(value: string): string | undefined {
  const version = isIP(value);
  if (version === 4) return value;
  if (version === 6) return new URL(`http://[${value}]/`).hostname.slice(1, -1);
  return undefined;
}

export function validateSpec(spec: unknown): SpecValidation {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (!isObject(spec)) return { valid: false, errors: ["spec: required object is missing"] };

  const reservedIPs: string[] = [];
  if (!Array.isArray(spec.reservedIPs) || spec.reservedIPs.length === 0) {
    errors.push("spec.reservedIPs: at least one IP is required");
  } else {
    spec.reservedIPs.forEach((raw, i) => {
      const ip = typeof raw === "string" ? canonicalIP(raw.trim()) : undefined;
      if (!ip) errors.push(`spec.reservedIPs[${i}]: "${String(raw)}" is not a valid IP address`);
      else if (reservedIPs.includes(ip)) errors.push(`spec.reservedIPs[${i}]: duplicate IP ${ip}`);
      else reservedIPs.push(ip);
    });
  }

  const cloud = spec.cloud;
  let provider: CloudProviderName = "gcp";
  let zones: string[] = [];
  let region: string | undefined;
  if (!isObject(cloud)) errors.push("spec.cloud: required object is missing");
  else {
    if (!CLOUD_PROVIDERS.includes(cloud.provider as CloudProviderName)) {
      errors.push(`spec.cloud.provider: "${String(cloud.provider)}" is not one of ${CLOUD_PROVIDERS.join(", ")}`);
    } else provider = cloud.provider as CloudProviderName;
    if (cloud.region !== undefined && typeof cloud.region !== "string")
      errors.push("spec.cloud.region: must be a string");
    else region = cloud.region || undefined;
    if (cloud.zones !== undefined && !isStringArray(cloud.zones))
      errors.push("spec.cloud.zones: must be a list of strings");
    else zones = [...new Set(cloud.zones ?? [])];
  }

  let workload: ValidatedSpec["workload"];
  const { workloadRef, deploymentRef } = spec;
  if (workloadRef !== undefined && deploymentRef !== undefined) {
    errors.push("spec.workloadRef and spec.deploymentRef: set one, not both");
  } else if (workloadRef !== undefined) {
    if (!isObject(workloadRef) || !WORKLOAD_KINDS.includes(workloadRef.kind as WorkloadKind)) {
      errors.push(`spec.workloadRef.kind: must be one of ${WORKLOAD_KINDS.join(", ")}`);
    } else if (!nonEmptyString(workloadRef.name)) errors.push("spec.workloadRef.name: required");
    else workload = ref(workloadRef.kind as WorkloadKind, workloadRef.name, workloadRef.namespace);
  } else if (deploymentRef !== undefined) {
    if (!isObject(deploymentRef) || !nonEmptyString(deploymentRef.name))
      errors.push("spec.deploymentRef.name: required");
    else {
      workload = ref("Deployment", deploymentRef.name, deploymentRef.namespace);
      warnings.push("spec.deploymentRef is deprecated: use spec.workloadRef {kind: Deployment, name, namespace}");
    }
  }

  let nodeSelector: Record<string, string> = {};
  if (spec.nodeSelector !== undefined) {
    if (!isObject(spec.nodeSelector) || !Object.values(spec.nodeSelector).every((v) => typeof v === "string")) {
      errors.push("spec.nodeSelector: must be a map of label names to string values");
    } else {
      const syntax = Object.entries(spec.nodeSelector as Record<string, string>).flatMap(([key, value]) =>
        [labelKeyError(key), labelValueError(value)].filter((e) => e !== undefined),
      );
      for (const error of syntax) errors.push(`spec.nodeSelector: ${error}`);
      nodeSelector = spec.nodeSelector as Record<string, string>;
    }
  }

  const number = (field: string, fallback: number, min: number, max: number): number => {
    const value = spec[field];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      errors.push(`spec.${field}: must be an integer between ${min} and ${max}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  };
  const reconcileIntervalSeconds = number(
    "reconcileInterval",
    DEFAULT_RECONCILE_INTERVAL_SECONDS,
    MIN_RECONCILE_INTERVAL_SECONDS,
    MAX_RECONCILE_INTERVAL_SECONDS,
  );
  const notReadyGracePeriodSeconds = number("notReadyGracePeriodSeconds", DEFAULT_NOT_READY_GRACE_SECONDS, 0, 3600);
  const moveCooldownSeconds = number("moveCooldownSeconds", DEFAULT_MOVE_COOLDOWN_SECONDS, 0, 86_400);

  let deletionPolicy: DeletionPolicy = "Retain";
  if (spec.deletionPolicy !== undefined) {
    if (!DELETION_POLICIES.includes(spec.deletionPolicy as DeletionPolicy)) {
      errors.push(`spec.deletionPolicy: must be one of ${DELETION_POLICIES.join(", ")}`);
    } else deletionPolicy = spec.deletionPolicy as DeletionPolicy;
  }
  if (spec.allowForeignTakeover !== undefined && typeof spec.allowForeignTakeover !== "boolean") {
    errors.push("spec.allowForeignTakeover: must be true or false");
  }

  if (errors.length > 0) return { valid: false, errors };
  return {
    valid: true,
    warnings,
    spec: {
      reservedIPs,
      ...(workload ? { workload } : {}),
      usesDeprecatedDeploymentRef: deploymentRef !== undefined,
      nodeSelector,
      provider,
      ...(region ? { region } : {}),
      zones,
      reconcileIntervalSeconds,
      deletionPolicy,
      allowForeignTakeover: spec.allowForeignTakeover === true,
      notReadyGracePeriodSeconds,
      moveCooldownSeconds,
    },
  };
}

function ref(kind: WorkloadKind, name: string, namespace: unknown) {
  return { kind, name, namespace: nonEmptyString(namespace) ? namespace : "default" };
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}
