// The NetIPAllocation API (netinfra.darkbrains.com/v1alpha1): the one source of truth for its TypeScript shape.
// The OpenAPI schema in schema.ts must describe exactly these types; the CRD is generated from it.

export const GROUP = "netinfra.darkbrains.com";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = "NetIPAllocation";
export const PLURAL = "netipallocations";
export const SINGULAR = "netipallocation";
export const SHORT_NAMES = ["nia"];

/** Label that tells workloads a node holds one of the allocation's IPs (pods use node affinity on it). */
export const IP_READY_LABEL = "ip.ready";
/** The well-known node label the controller reads a node's zone from. */
export const ZONE_LABEL = "topology.kubernetes.io/zone";
/** Annotation on a NetIPAllocation that stops every write for it while observation goes on. */
export const PAUSED_ANNOTATION = `${GROUP}/paused`;
/** Finalizer held while deletionPolicy Release still has IPs to release. */
export const FINALIZER = `${GROUP}/release`;

export const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet"] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];
export const CLOUD_PROVIDERS = ["gcp", "aws", "azure"] as const;
export type CloudProviderName = (typeof CLOUD_PROVIDERS)[number];
export const DELETION_POLICIES = ["Retain", "Release"] as const;
export type DeletionPolicy = (typeof DELETION_POLICIES)[number];

export const DEFAULT_RECONCILE_INTERVAL_SECONDS = 30;
export const MIN_RECONCILE_INTERVAL_SECONDS = 5;
export const MAX_RECONCILE_INTERVAL_SECONDS = 86_400;
export const DEFAULT_NOT_READY_GRACE_SECONDS = 30;
export const DEFAULT_MOVE_COOLDOWN_SECONDS = 0;

export interface WorkloadRef {
  kind: WorkloadKind;
  name: string;
  /** Defaults to "default". */
  namespace?: string;
}

/** @deprecated v1.0 form: treated as workloadRef {kind: Deployment}. */
export interface DeploymentRef {
  name: string;
  namespace?: string;
}

export interface CloudSpec {
  provider: CloudProviderName;
  region?: string;
  /** Only nodes in these zones (topology.kubernetes.io/zone) are eligible; empty = any zone. */
  zones?: string[];
}

/** Accepted for compatibility with the v1.0 CRD; the controller moves one IP at a time and ignores these. */
export interface Strategy {
  maxSurge?: number;
  maxUnavailable?: number;
}

export interface NetIPAllocationSpec {
  reservedIPs: string[];
  workloadRef?: WorkloadRef;
  deploymentRef?: DeploymentRef;
  nodeSelector?: Record<string, string>;
  cloud: CloudSpec;
  strategy?: Strategy;
  /** Seconds between periodic full re-checks (on top of events). Default 30, minimum 5. */
  reconcileInterval?: number;
  /** What deleting the allocation does to its IPs: Retain (default) leaves them; Release detaches them and removes labels. */
  deletionPolicy?: DeletionPolicy;
  /** Take an IP held by an instance that is not a node of this cluster. Default false: such IPs are reported and left alone. */
  allowForeignTakeover?: boolean;
  /** Seconds a node may be NotReady/unreachable before its IP is moved. Default 30. */
  notReadyGracePeriodSeconds?: number;
  /** Minimum seconds between two moves of the same IP (anti-flapping). Default 0. */
  moveCooldownSeconds?: number;
}

export type AssignmentState = "Attached" | "Attaching" | "Detaching" | "Unattached" | "Blocked";

export interface IPAssignment {
  ip: string;
  node?: string;
  instance?: string;
  zone?: string;
  state: AssignmentState;
  /** RFC 3339 time the IP entered this state. */
  since?: string;
  /** While Attaching: the node the IP is being moved from (with the target, the move's intent). */
  from?: string;
  /** While a move is under way: why the IP moves (becomes lastMoveReason once the move is done). */
  moveReason?: string;
  /** Why the IP last moved; set when a move completes. */
  lastMoveReason?: string;
  /** Completed moves (attempts that failed do not count). */
  moves?: number;
  message?: string;
}

/** metav1.Condition */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export const CONDITION_TYPES = ["Ready", "Degraded", "Conflict", "InvalidSpec", "Paused", "CloudError"] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export interface NetIPAllocationStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  reservedCount?: number;
  attachedCount?: number;
  unattachedCount?: number;
  assignments?: IPAssignment[];
}

export interface NetIPAllocation {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: {
    name: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    finalizers?: string[];
  };
  spec: NetIPAllocationSpec;
  status?: NetIPAllocationStatus;
}

/**
 * A spec after the controller's own validation (validate.ts): defaults applied, deploymentRef mapped to
 * workloadRef, IPs canonicalised. This is what the controller's decision logic reads.
 */
export interface ValidatedSpec {
  reservedIPs: string[];
  workload?: { kind: WorkloadKind; name: string; namespace: string };
  /** True when the workload came from the deprecated deploymentRef. */
  usesDeprecatedDeploymentRef: boolean;
  nodeSelector: Record<string, string>;
  provider: CloudProviderName;
  region?: string;
  zones: string[];
  reconcileIntervalSeconds: number;
  deletionPolicy: DeletionPolicy;
  allowForeignTakeover: boolean;
  notReadyGracePeriodSeconds: number;
  moveCooldownSeconds: number;
}

export type SpecValidation =
  { valid: true; spec: ValidatedSpec; warnings: string[] } | { valid: false; errors: string[] };
