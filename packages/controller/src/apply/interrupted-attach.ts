import type { IPAssignment } from "@ipac/api";
import type { AddressObservation, InstanceRef } from "@ipac/cloud";
import type { NodeView } from "../decide/index.js";

/** A node an earlier attach was working on when it stopped, which may have been left without an external IP. */
export interface InterruptedAttach {
  ip: string;
  node: string;
  instance: InstanceRef;
}

/**
 * The recorded status is a move's intent: before the first cloud step it says `Attaching` on the target node,
 * `from` the node the IP leaves. If the cloud now shows the IP on neither, the move was interrupted between its
 * steps (on GCP a detach deletes the source's access config and gives it an ephemeral IP back afterwards; an
 * attach deletes the target's ephemeral IP first), and that node may need its external IP back. Only nodes still
 * in the cluster with a usable instance are returned; the applier skips those an attach it runs now will serve
 * (not one it defers: a node must never be left without an external IP because a retry waits).
 */
export function interruptedAttaches(
  recorded: readonly IPAssignment[] | undefined,
  observations: ReadonlyMap<string, AddressObservation>,
  nodes: readonly NodeView[],
  /** The IPs of the spec now: a recorded IP removed since, and absent from the read, is held by no instance. */
  specIPs: ReadonlySet<string>,
): InterruptedAttach[] {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  return (recorded ?? []).flatMap((assignment) => {
    // The read answers for the spec's IPs and for every other static IP some instance holds.
    const observed =
      observations.get(assignment.ip) ??
      (specIPs.has(assignment.ip) ? undefined : { ip: assignment.ip, reserved: true });
    if (assignment.state !== "Attaching" || !observed) return [];
    return [assignment.node, assignment.from].flatMap((name) => {
      const node = name === undefined ? undefined : byName.get(name);
      if (!node?.instance.ok || observed.holder?.key === node.instance.instance.key) return [];
      return [{ ip: assignment.ip, node: node.name, instance: node.instance.instance }];
    });
  });
}
