import type { Condition, IPAssignment, NetIPAllocationStatus, SpecValidation } from "@ipac/api";
import type { AddressObservation, InstanceRef, ProviderIDResult } from "@ipac/cloud";

/** What decide needs of a node (built from the trimmed informer cache). */
export interface NodeView {
  name: string;
  labels: Record<string, string>;
  createdAt: number;
  ready: "True" | "False" | "Unknown";
  /** When the Ready condition last changed (ms). */
  readySince: number;
  unschedulable: boolean;
  taints: { key: string; effect: string }[];
  deleting: boolean;
  zone?: string;
  /** The node's cloud instance, or why it has none usable for this allocation's cloud. */
  instance: ProviderIDResult;
  /** The cloud answered that this node's instance does not exist (deleted or terminated): the node is gone. */
  instanceMissing?: boolean;
}

/** A cloud write for one IP that failed and waits for its retry (the retry policy's memory, see retry-policy.ts). */
export interface WriteFailure {
  action: "attach" | "detach";
  node?: string;
  /** CloudErrorKind of the failure. */
  kind: string;
  /** Short text: "attach 1.2.3.4 to node n1 failed: Permission (403): …". */
  text: string;
  /** When the next attempt may be made (ms). */
  retryAt: number;
}

/** A pod of the allocation's workload. */
export interface PodView {
  name: string;
  namespace: string;
  node?: string;
  running: boolean;
  deleting: boolean;
}

/** Another allocation, for conflicts (DESIGN §3.9). */
export interface OtherAllocation {
  name: string;
  createdAt: number;
  ips: readonly string[];
}

export interface DecideInput {
  now: number;
  allocation: {
    name: string;
    generation: number;
    createdAt: number;
    deleting: boolean;
    paused: boolean;
    /** The paused annotation's value when it is neither "true" nor "false" (then treated as paused: the safe side). */
    invalidPauseValue?: string;
    previousStatus?: NetIPAllocationStatus;
  };
  spec: SpecValidation;
  dryRun: boolean;
  supportsAtomicReassociate: boolean;
  /** Nodes matching the selector, plus nodes holding or previously holding this allocation's IPs. */
  nodes: readonly NodeView[];
  /** Pods of the referenced workload. */
  pods: readonly PodView[];
  others: readonly OtherAllocation[];
  /** Nodes that hold (or are being given) an IP of another allocation. */
  occupiedByOthers: ReadonlyMap<string, { allocation: string; ip: string }>;
  /**
   * Nodes whose instance holds a static IP that is not this allocation's (one removed from the spec and left in
   * place, one set by hand, another allocation's): none of ours can join it, the cloud would refuse.
   */
  holdingOtherStaticIPs: ReadonlySet<string>;
  /** Cloud writes that failed, by IP, not yet retried (status and conditions must say so). */
  writeFailures?: ReadonlyMap<string, WriteFailure>;
  /** The referenced workload does not exist (keep-while-pods-run and evictions cannot act). */
  workloadMissing?: boolean;
  /** The cloud's view of this allocation's IPs, or the error that prevented reading it. */
  observations: AddressReadResult;
}

/** One batched cloud read: each IP's observation by IP, or why the cloud could not be read. */
export type AddressReadResult =
  | { ok: true; addresses: ReadonlyMap<string, AddressObservation> }
  | { ok: false; error: { kind: string; message: string; retryAfterMs?: number } };

export type Action =
  | { type: "detach"; ip: string; instance: InstanceRef; node?: string; reason: string }
  | {
      type: "attach";
      ip: string;
      instance: InstanceRef;
      node: string;
      reason: string;
      reassociate?: boolean;
      /** Node the IP moves away from, if this is a move. */
      from?: string;
      /** Index (in actions) of a detach that must have succeeded first. */
      after?: number;
    }
  /**
   * `after`: index of the attach that must have succeeded first (labels follow confirmed attachments only).
   * `ip`: the IP whose move this label is part of (the leaving node loses its label before the IP goes).
   */
  | { type: "label"; node: string; set: boolean; after?: number; ip?: string }
  | { type: "evict"; pod: string; namespace: string; node: string };

export interface DecideEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

export interface DecideOutput {
  actions: Action[];
  /** Dry-run: the actions are reported, never applied. */
  dryRun: boolean;
  status: NetIPAllocationStatus;
  events: DecideEvent[];
  /** When to look again: after acting, soon (to confirm); else at the next timer. */
  requeueAfterMs: number;
  /** The next timer alone (reconcile interval, grace period, cool-off): when acting was deferred by retries. */
  nextCheckMs: number;
  /** Eligible nodes vs reserved IPs, for the capacity gauge. */
  eligibleNodes: number;
  /** Deleting: nothing of this allocation is left to release, the finalizer may go. */
  released: boolean;
}

export type { Condition, IPAssignment, InstanceRef };
