import { PAUSED_ANNOTATION, type NetIPAllocation } from "@ipac/api";
import type { AddressObservation } from "@ipac/cloud";
import type { ClusterCache } from "../cluster-cache.js";
import type { AddressReadResult, DecideInput, NodeView, OtherAllocation } from "../decide/index.js";
import type { NodeClaims } from "../node-claims.js";
import { workloadKey } from "../workload.js";
import { nodeView, podView, toMs } from "./views.js";

export interface GatherSources {
  cache: ClusterCache;
  /** Read only here: the reconcile syncs this allocation's claims itself (see `claimHoldings`). */
  claims: Pick<NodeClaims, "claimedByOthers">;
  now: number;
  dryRun: boolean;
  supportsAtomicReassociate: boolean;
}

/**
 * Builds decide's input from the caches and the cloud read, writing nothing: only the nodes and pods this
 * allocation concerns. `read` answers for this allocation's IPs and, where it could, for other static IPs.
 */
export function gather(
  allocation: NetIPAllocation,
  validation: DecideInput["spec"],
  read: AddressReadResult,
  sources: GatherSources,
): DecideInput {
  const { cache, claims } = sources;
  const name = allocation.metadata.name;
  const spec = validation.valid ? validation.spec : undefined;
  const provider = spec?.provider ?? "gcp";
  const { observations, otherStaticHolders } = splitObservations(read, spec?.reservedIPs ?? []);
  const nodes = new Map<string, NodeView>();
  const addNode = (node: Parameters<typeof nodeView>[0] | undefined) => {
    if (node?.metadata?.name && !nodes.has(node.metadata.name)) nodes.set(node.metadata.name, nodeView(node, provider));
  };
  if (spec) for (const node of cache.nodesMatching(spec.nodeSelector)) addNode(node);
  if (observations.ok) {
    for (const observation of observations.addresses.values()) {
      if (observation.holder) addNode(cache.nodeByInstance(observation.holder.key));
    }
  }
  for (const assignment of allocation.status?.assignments ?? []) {
    for (const name of [assignment.node, assignment.from]) if (name) addNode(cache.nodes.store.get(name));
  }

  const workload = spec?.workload;
  const pods = workload
    ? cache.workloadPods(workloadKey(workload.kind, workload.namespace, workload.name)).map(podView)
    : [];

  const others: OtherAllocation[] = [];
  const occupiedByOthers = new Map(claims.claimedByOthers(name));
  for (const other of cache.allocations.store.list()) {
    if (other.metadata.name === name) continue;
    others.push({
      name: other.metadata.name,
      createdAt: toMs(other.metadata.creationTimestamp) ?? 0,
      ips: Array.isArray(other.spec?.reservedIPs) ? other.spec.reservedIPs : [],
    });
    for (const a of other.status?.assignments ?? []) {
      if (a.node && (a.state === "Attached" || a.state === "Attaching") && !occupiedByOthers.has(a.node)) {
        occupiedByOthers.set(a.node, { allocation: other.metadata.name, ip: a.ip });
      }
    }
  }

  return {
    now: sources.now,
    allocation: {
      name,
      generation: allocation.metadata.generation ?? 0,
      createdAt: toMs(allocation.metadata.creationTimestamp) ?? 0,
      deleting: allocation.metadata.deletionTimestamp !== undefined,
      ...pauseOf(allocation.metadata.annotations?.[PAUSED_ANNOTATION]),
      ...(allocation.status ? { previousStatus: allocation.status } : {}),
    },
    spec: validation,
    dryRun: sources.dryRun,
    supportsAtomicReassociate: sources.supportsAtomicReassociate,
    nodes: [...nodes.values()],
    pods,
    others,
    occupiedByOthers,
    holdingOtherStaticIPs: new Set(
      [...otherStaticHolders].flatMap((key) => cache.nodeByInstance(key)?.metadata?.name ?? []),
    ),
    observations,
  };
}

/** Which node holds which of this allocation's IPs (node → ip), as the cloud showed: the claims to sync to. */
export function claimHoldings(
  addresses: ReadonlyMap<string, AddressObservation>,
  cache: Pick<ClusterCache, "nodeByInstance">,
): Map<string, string> {
  const holdings = new Map<string, string>();
  for (const observation of addresses.values()) {
    const holder = observation.holder && cache.nodeByInstance(observation.holder.key)?.metadata?.name;
    if (holder) holdings.set(holder, observation.ip);
  }
  return holdings;
}

/**
 * Keeps this allocation's IPs; of other static IPs held by instances (another allocation's, one removed from this
 * spec and left in place, one set by hand) keeps only the instances: those are taken, by instance key.
 */
function splitObservations(
  read: AddressReadResult,
  ips: readonly string[],
): { observations: AddressReadResult; otherStaticHolders: Set<string> } {
  const otherStaticHolders = new Set<string>();
  if (!read.ok) return { observations: read, otherStaticHolders };
  const wanted = new Set(ips);
  const addresses = new Map<string, AddressObservation>();
  for (const [ip, observation] of read.addresses) {
    if (wanted.has(ip)) addresses.set(ip, observation);
    else if (observation.holder) otherStaticHolders.add(observation.holder.key);
  }
  return { observations: { ok: true, addresses }, otherStaticHolders };
}

/**
 * The paused annotation: "true" pauses, "false" or none acts. Anything else is read on the safe side, as paused
 * (nothing is written), and reported so it gets fixed.
 */
export function pauseOf(value: string | undefined): { paused: boolean; invalidPauseValue?: string } {
  if (value === undefined || value === "false") return { paused: false };
  if (value === "true") return { paused: true };
  return { paused: true, invalidPauseValue: value };
}
