import type { ValidatedSpec } from "@ipac/api";
import { selectorMatches } from "./selector.js";
import type { NodeView } from "./types.js";

/** Taints that mean the node is not (or soon not) able to run pods: the only taints eligibility reads. */
export const UNHEALTHY_TAINTS: ReadonlySet<string> = new Set([
  "node.kubernetes.io/not-ready",
  "node.kubernetes.io/unreachable",
  "node.kubernetes.io/out-of-service",
  "node.kubernetes.io/shutdown",
  "node.cloudprovider.kubernetes.io/shutdown",
]);

/**
 * How a node stands for one allocation:
 * - eligible: may receive and keep an IP;
 * - leaving: healthy but no longer eligible (cordoned, drained, selector or zone changed): keeps its IP while
 *   workload pods run there;
 * - failing: NotReady or unreachable within the grace period: keeps its IP until `until`;
 * - gone: NotReady beyond the grace period, being deleted, or unusable: its IP is moved.
 */
export type NodeStanding =
  | { kind: "eligible" }
  | { kind: "leaving"; reason: string }
  | { kind: "failing"; reason: string; until: number }
  | { kind: "gone"; reason: string };

export function nodeStanding(node: NodeView, spec: ValidatedSpec, now: number): NodeStanding {
  if (node.deleting) return { kind: "gone", reason: `node ${node.name} is being deleted` };
  if (!node.instance.ok) return { kind: "gone", reason: `node ${node.name}: ${node.instance.reason}` };
  if (node.instanceMissing)
    return {
      kind: "gone",
      reason: `node ${node.name}: instance ${node.instance.instance.name} not found in the cloud`,
    };
  if (node.ready !== "True") {
    const reason = `node ${node.name} is NotReady (Ready=${node.ready})`;
    const until = node.readySince + spec.notReadyGracePeriodSeconds * 1000;
    return now >= until ? { kind: "gone", reason } : { kind: "failing", reason, until };
  }
  // A Ready node that carries an out-of-service or shutdown taint was declared down on purpose: no grace.
  const unhealthyTaint = node.taints.find(
    (t) => UNHEALTHY_TAINTS.has(t.key) && (t.effect === "NoExecute" || t.effect === "NoSchedule"),
  );
  if (unhealthyTaint) return { kind: "gone", reason: `node ${node.name} is tainted ${unhealthyTaint.key}` };
  if (node.unschedulable) return { kind: "leaving", reason: `node ${node.name} is cordoned` };
  if (!selectorMatches(spec.nodeSelector, node.labels)) {
    return { kind: "leaving", reason: `node ${node.name} no longer matches the node selector` };
  }
  if (spec.zones.length > 0 && !spec.zones.includes(node.zone ?? "")) {
    return {
      kind: "leaving",
      reason: `node ${node.name} is in zone ${node.zone ?? "(none)"}, not in ${spec.zones.join(", ")}`,
    };
  }
  return { kind: "eligible" };
}
