import {
  CLOUD_PROVIDERS,
  DEFAULT_MOVE_COOLDOWN_SECONDS,
  DEFAULT_NOT_READY_GRACE_SECONDS,
  DEFAULT_RECONCILE_INTERVAL_SECONDS,
  DELETION_POLICIES,
  MAX_RECONCILE_INTERVAL_SECONDS,
  MIN_RECONCILE_INTERVAL_SECONDS,
  WORKLOAD_KINDS,
} from "./types.js";
import { LABEL_KEY_PATTERN, LABEL_VALUE_PATTERN, MAX_LABEL_NAME, MAX_LABEL_PREFIX } from "./label-syntax.js";

// The OpenAPI v3 schema of NetIPAllocation: it describes exactly types.ts. The apiserver enforces it
// (including the CEL rules); the controller re-validates in validate.ts for objects the schema let through.

type Schema = Record<string, unknown>;

const str = (description: string, extra: Schema = {}): Schema => ({ type: "string", description, ...extra });
const int = (description: string, extra: Schema = {}): Schema => ({ type: "integer", description, ...extra });
const obj = (description: string, properties: Record<string, Schema>, extra: Schema = {}): Schema => ({
  type: "object",
  description,
  properties,
  ...extra,
});

const ipItem = str("An IPv4 or IPv6 address literal.", {
  maxLength: 45,
  "x-kubernetes-validations": [{ rule: "isIP(self)", message: "must be a valid IP address" }],
});

const specSchema = obj(
  "Desired state: which reserved IPs to keep attached to which nodes.",
  {
    reservedIPs: {
      type: "array",
      description: "Static public IPs reserved in the cloud, each kept attached to one eligible node.",
      minItems: 1,
      maxItems: 256,
      items: ipItem,
      "x-kubernetes-list-type": "set",
    },
    workloadRef: obj(
      "The workload using the IPs: its pods keep a leaving node's IP while they run there, and are evicted from nodes without an IP.",
      {
        kind: str("Workload kind.", { enum: [...WORKLOAD_KINDS] }),
        name: str("Workload name.", { minLength: 1, maxLength: 253 }),
        namespace: str("Workload namespace (default: default).", { maxLength: 63 }),
      },
      { required: ["kind", "name"] },
    ),
    deploymentRef: obj(
      "Deprecated (v1.0): use workloadRef with kind Deployment. Still accepted and treated as such.",
      {
        name: str("Deployment name.", { minLength: 1, maxLength: 253 }),
        namespace: str("Deployment namespace (default: default).", { maxLength: 63 }),
      },
      { required: ["name"] },
    ),
    nodeSelector: {
      type: "object",
      description: "Labels a node must carry to be eligible; empty means every node.",
      maxProperties: 32,
      additionalProperties: { type: "string", maxLength: MAX_LABEL_NAME },
      "x-kubernetes-validations": [
        {
          rule: `self.all(k, k.matches('${LABEL_KEY_PATTERN.replaceAll("\\", "\\\\")}') && size(k) <= ${MAX_LABEL_PREFIX + 1 + MAX_LABEL_NAME})`,
          message:
            "every key must be a valid label key (an optional DNS prefix and '/', then a name of up to 63 characters)",
        },
        {
          rule: `self.all(k, self[k].matches('${LABEL_VALUE_PATTERN}'))`,
          message:
            "every value must be a valid label value (up to 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric)",
        },
      ],
    },
    cloud: obj(
      "Where the IPs live.",
      {
        provider: str("Cloud provider.", { enum: [...CLOUD_PROVIDERS] }),
        region: str("Cloud region of the reserved IPs."),
        zones: {
          type: "array",
          description: "Only nodes in these zones (topology.kubernetes.io/zone) are eligible; empty means any zone.",
          items: { type: "string" },
          "x-kubernetes-list-type": "set",
        },
      },
      { required: ["provider"] },
    ),
    strategy: obj("Accepted for compatibility with v1.0; not used (IPs move one at a time).", {
      maxSurge: int("Not used."),
      maxUnavailable: int("Not used."),
    }),
    reconcileInterval: int("Seconds between periodic full re-checks, on top of events.", {
      default: DEFAULT_RECONCILE_INTERVAL_SECONDS,
      minimum: MIN_RECONCILE_INTERVAL_SECONDS,
      maximum: MAX_RECONCILE_INTERVAL_SECONDS,
    }),
    deletionPolicy: str(
      "What deleting this allocation does: Retain leaves IPs and labels in place; Release detaches the IPs and removes the labels first.",
      { enum: [...DELETION_POLICIES], default: "Retain" },
    ),
    allowForeignTakeover: {
      type: "boolean",
      description:
        "Take an IP held by an instance that is not a node of this cluster. Default false: such IPs are reported and left alone.",
      default: false,
    },
    notReadyGracePeriodSeconds: int("Seconds a node may be NotReady or unreachable before its IP is moved.", {
      default: DEFAULT_NOT_READY_GRACE_SECONDS,
      minimum: 0,
      maximum: 3600,
    }),
    moveCooldownSeconds: int("Minimum seconds between two moves of the same IP (anti-flapping).", {
      default: DEFAULT_MOVE_COOLDOWN_SECONDS,
      minimum: 0,
      maximum: 86_400,
    }),
  },
  {
    required: ["reservedIPs", "cloud"],
    "x-kubernetes-validations": [
      {
        rule: "!(has(self.workloadRef) && has(self.deploymentRef))",
        message: "set workloadRef or deploymentRef, not both",
      },
    ],
  },
);

const conditionSchema = obj(
  "A metav1.Condition.",
  {
    type: str("Condition type (Ready, Degraded, Conflict, InvalidSpec, Paused, CloudError)."),
    status: str("True, False or Unknown.", { enum: ["True", "False", "Unknown"] }),
    observedGeneration: int("Generation of the spec this condition was computed from.", { format: "int64" }),
    lastTransitionTime: str("When the status last changed.", { format: "date-time" }),
    reason: str("Machine-readable CamelCase reason."),
    message: str("Human-readable explanation."),
  },
  { required: ["type", "status", "lastTransitionTime", "reason", "message"] },
);

const assignmentSchema = obj(
  "Where one reserved IP is.",
  {
    ip: str("The reserved IP."),
    node: str("Node holding it."),
    instance: str("Cloud instance holding it."),
    zone: str("Zone of that node."),
    state: str("Attached, Attaching, Detaching, Unattached or Blocked.", {
      enum: ["Attached", "Attaching", "Detaching", "Unattached", "Blocked"],
    }),
    since: str("When the IP entered this state.", { format: "date-time" }),
    from: str("While Attaching: the node the IP is being moved from."),
    moveReason: str("While a move is under way: why the IP moves (lastMoveReason once the move is done)."),
    lastMoveReason: str("Why the IP last moved (set when a move completes)."),
    moves: int("How many moves of the IP completed."),
    message: str("Details, e.g. why it is Blocked or Unattached."),
  },
  { required: ["ip", "state"] },
);

const statusSchema = obj("Observed state, written by the controller through the status subresource.", {
  observedGeneration: int("Generation of the spec last reconciled.", { format: "int64" }),
  conditions: {
    type: "array",
    description: "Ready, Degraded, Conflict, InvalidSpec, Paused, CloudError.",
    items: conditionSchema,
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["type"],
  },
  reservedCount: int("Number of reserved IPs."),
  attachedCount: int("Number of IPs attached to eligible nodes."),
  unattachedCount: int("Number of IPs not attached."),
  assignments: {
    type: "array",
    description: "Per-IP state.",
    items: assignmentSchema,
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["ip"],
  },
});

export const netIPAllocationSchema: Schema = obj(
  "NetIPAllocation keeps a set of reserved static public IPs attached to healthy nodes.",
  {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object" },
    spec: specSchema,
    status: statusSchema,
  },
  { required: ["spec"] },
);
