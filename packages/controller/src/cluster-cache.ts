import { CLOUD_PROVIDERS, GROUP, PLURAL, VERSION, type NetIPAllocation } from "@ipac/api";
import { parseProviderID } from "@ipac/cloud";
import { Informer } from "@ipac/runtime";
import type { KubeConfig, V1Node, V1ObjectMeta, V1Pod, V1ReplicaSet } from "@kubernetes/client-node";
import type { Registry } from "prom-client";
import { selectorMatches } from "./decide/selector.js";
import { trimNode, trimPod, trimReplicaSet } from "./trim.js";
import { controllerOf, workloadKey } from "./workload.js";

/** Instance key of a node whatever its cloud, for the holder → node lookup. */
function instanceKeyOf(node: V1Node): string[] {
  for (const provider of CLOUD_PROVIDERS) {
    const parsed = parseProviderID(node.spec?.providerID, provider);
    if (parsed.ok) return [parsed.instance.key];
  }
  return [];
}

/** "Kind/namespace/name" of the object's controlling owner, for the by-owner indexes. */
function ownerKey(metadata: V1ObjectMeta | undefined): string[] {
  const owner = controllerOf(metadata);
  return owner ? [workloadKey(owner.kind, metadata?.namespace ?? "default", owner.name)] : [];
}

/**
 * The controller's view of the cluster: supervised informers over trimmed objects, with the indexes that make
 * every lookup proportional to what it returns (nodes by label pair and by cloud instance, pods by owner and
 * node, ReplicaSets by owner).
 */
export class ClusterCache {
  readonly nodes: Informer<V1Node>;
  readonly pods: Informer<V1Pod>;
  readonly replicaSets: Informer<V1ReplicaSet>;
  readonly allocations: Informer<NetIPAllocation & { metadata: { name: string } }>;

  constructor(kubeConfig: KubeConfig, registry?: Registry, onError?: (error: unknown, resource: string) => void) {
    const common = { kubeConfig, ...(registry ? { registry } : {}), ...(onError ? { onError } : {}) };
    this.nodes = new Informer<V1Node>({ ...common, path: "/api/v1/nodes", resource: "nodes", transform: trimNode });
    this.nodes.store.addIndex("label", (n) => Object.entries(n.metadata?.labels ?? {}).map(([k, v]) => `${k}=${v}`));
    this.nodes.store.addIndex("instance", instanceKeyOf);
    this.pods = new Informer<V1Pod>({ ...common, path: "/api/v1/pods", resource: "pods", transform: trimPod });
    this.pods.store.addIndex("owner", (p) => ownerKey(p.metadata));
    this.pods.store.addIndex("node", (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
    this.replicaSets = new Informer<V1ReplicaSet>({
      ...common,
      path: "/apis/apps/v1/replicasets",
      resource: "replicasets",
      transform: trimReplicaSet,
    });
    this.replicaSets.store.addIndex("owner", (r) => ownerKey(r.metadata));
    this.allocations = new Informer({
      ...common,
      path: `/apis/${GROUP}/${VERSION}/${PLURAL}`,
      resource: PLURAL,
    });
  }

  private get all() {
    return [this.nodes, this.pods, this.replicaSets, this.allocations] as const;
  }

  start(): void {
    for (const informer of this.all) informer.start();
  }

  get synced(): boolean {
    return this.all.every((informer) => informer.hasSynced);
  }

  async waitForSync(): Promise<void> {
    await Promise.all(this.all.map((informer) => informer.synced));
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((informer) => informer.stop()));
  }

  /** Nodes matching a selector: the smallest label index narrows, the rest of the selector filters. */
  nodesMatching(selector: Record<string, string>): V1Node[] {
    const pairs = Object.entries(selector).map(([k, v]) => `${k}=${v}`);
    if (pairs.length === 0) return [...this.nodes.store.list()];
    const candidates = pairs
      .map((pair) => this.nodes.store.byIndex("label", pair))
      .reduce((smallest, next) => (next.length < smallest.length ? next : smallest));
    return candidates.filter((n) => selectorMatches(selector, n.metadata?.labels));
  }

  nodeByInstance(key: string): V1Node | undefined {
    return this.nodes.store.byIndex("instance", key)[0];
  }

  /** Pods of a workload ("Kind/namespace/name"); a Deployment's through its ReplicaSets. */
  workloadPods(key: string): V1Pod[] {
    if (!key.startsWith("Deployment/")) return this.pods.store.byIndex("owner", key);
    return this.replicaSets.store
      .byIndex("owner", key)
      .flatMap((rs) =>
        this.pods.store.byIndex(
          "owner",
          workloadKey("ReplicaSet", rs.metadata?.namespace ?? "", rs.metadata?.name ?? ""),
        ),
      );
  }

  /** The ReplicaSet's metadata, for the pod → Deployment owner chain. */
  replicaSetMetadata(namespace: string, name: string) {
    return this.replicaSets.store.get(`${namespace}/${name}`)?.metadata;
  }
}
