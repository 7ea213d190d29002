import type { NodeView } from "./types.js";

export interface PlacementCandidate {
  node: NodeView;
  runningWorkloadPods: number;
}

/**
 * Picks a node for each IP, deterministically (DESIGN §3.6): nodes already running workload pods first, then the
 * zone holding the fewest of this allocation's IPs, then the oldest node, then the name. One IP per node.
 * `zoneOf(ip)` restricts zonal IPs to their zone.
 */
export function place(
  ips: readonly string[],
  candidates: readonly PlacementCandidate[],
  ipsPerZone: Map<string, number>,
  zoneOf: (ip: string) => string | undefined,
): Map<string, NodeView> {
  const free = [...candidates];
  const chosen = new Map<string, NodeView>();
  for (const ip of ips) {
    const zone = zoneOf(ip);
    let best: PlacementCandidate | undefined;
    for (const candidate of free) {
      if (zone !== undefined && candidate.node.zone !== zone) continue;
      if (!best || better(candidate, best, ipsPerZone)) best = candidate;
    }
    if (!best) continue;
    chosen.set(ip, best.node);
    free.splice(free.indexOf(best), 1);
    const bestZone = best.node.zone ?? "";
    ipsPerZone.set(bestZone, (ipsPerZone.get(bestZone) ?? 0) + 1);
  }
  return chosen;
}

function better(a: PlacementCandidate, b: PlacementCandidate, ipsPerZone: Map<string, number>): boolean {
  const aPods = a.runningWorkloadPods > 0 ? 1 : 0;
  const bPods = b.runningWorkloadPods > 0 ? 1 : 0;
  if (aPods !== bPods) return aPods > bPods;
  const aZone = ipsPerZone.get(a.node.zone ?? "") ?? 0;
  const bZone = ipsPerZone.get(b.node.zone ?? "") ?? 0;
  if (aZone !== bZone) return aZone < bZone;
  if (a.node.createdAt !== b.node.createdAt) return a.node.createdAt < b.node.createdAt;
  return a.node.name < b.node.name;
}
