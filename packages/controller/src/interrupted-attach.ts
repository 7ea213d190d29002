import type { IPAssignment } from "@ipac/api";
import type { AddressObservation, InstanceRef } from "@ipac/cloud";
import type { Action, NodeView } from "./decide/index.js";

/** A node an earlier attach was working on when it stopped, which may have been left without an external IP. */
export interface InterruptedAttach {
  ip: string;
  node: string;
  instance: InstanceRef;
}

/**
 * The recorded status is the attach's intent: it says `Attaching` on a node before the first cloud step. If the
 * cloud now shows the IP elsewhere (or nowhere) and this pass does not attach anything to that node, the attach
 * was interrupted between its steps (a GCP attach deletes the node's ephemeral IP first) and the node must get
 * its external IP back. Only nodes still in the cluster with a usable instance are returned.
 */
export function interruptedAttaches(
  recorded: readonly IPAssignment[] | undefined,
  observations: ReadonlyMap<string, AddressObservation>,
  actions: readonly Action[],
  nodes: readonly NodeView[],
): InterruptedAttach[] {
  const targets = new Set(actions.flatMap((action) => (action.type === "attach" ? [action.node] : [])));
  const byName = new Map(nodes.map((node) => [node.name, node]));
  return (recorded ?? []).flatMap((assignment) => {
    if (assignment.state !== "Attaching" || !assignment.node || targets.has(assignment.node)) return [];
    const node = byName.get(assignment.node);
    if (!node?.instance.ok) return [];
    const observed = observations.get(assignment.ip);
    if (!observed || observed.holder?.key === node.instance.instance.key) return [];
    return [{ ip: assignment.ip, node: node.name, instance: node.instance.instance }];
  });
}
