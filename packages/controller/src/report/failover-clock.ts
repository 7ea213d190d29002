import type { DecideInput } from "../decide/index.js";
import { nodeStanding } from "../decide/eligibility.js";

/**
 * Failover latency as DESIGN and the README define it: from the first moment the controller saw an IP's node
 * ineligible (or the IP on no node) to the first moment it saw the IP attached to another eligible node that
 * carries ip.ready=true. Both ends are the time a reconcile gathered what it saw, so the time a pass spends
 * moving the IP counts, and the pass's own length does not. An IP that stays on its node (uncordoned in time)
 * or that was never on a node (first attach) is not a failover.
 */
export class FailoverClock {
  /** allocation/ip → when the move became necessary and the node (or instance) it left. */
  private readonly started = new Map<string, { at: number; from?: string }>();

  /** Feeds one reconcile's view; returns the failovers it saw complete, in seconds. */
  update(input: DecideInput): number[] {
    if (!input.spec.valid || !input.observations.ok) return [];
    const addresses = input.observations.addresses;
    const spec = input.spec.spec;
    const name = input.allocation.name;
    const nodeOfInstance = new Map(
      input.nodes.flatMap((n) => (n.instance.ok ? [[n.instance.instance.key, n] as const] : [])),
    );
    const previousNode = new Map(input.allocation.previousStatus?.assignments?.map((a) => [a.ip, a.node]) ?? []);
    const completed: number[] = [];
    for (const ip of spec.reservedIPs) {
      const key = `${name}/${ip}`;
      const holder = addresses.get(ip)?.holder;
      const node = holder ? nodeOfInstance.get(holder.key) : undefined;
      const clock = this.started.get(key);
      if (!node || nodeStanding(node, spec, input.now).kind !== "eligible") {
        const from = node?.name ?? holder?.key ?? previousNode.get(ip);
        if (!clock) this.started.set(key, { at: input.now, ...(from ? { from } : {}) });
        continue;
      }
      if (!clock) continue;
      if (node.name === clock.from || clock.from === undefined) this.started.delete(key);
      else if (node.labels["ip.ready"] === "true") {
        completed.push((input.now - clock.at) / 1000);
        this.started.delete(key);
      }
    }
    return completed;
  }

  forget(allocation: string): void {
    for (const key of this.started.keys()) if (key.startsWith(`${allocation}/`)) this.started.delete(key);
  }
}
