import { GROUP, PLURAL, VERSION, type NetIPAllocationStatus } from "@ipac/api";
import { ignoreNotFound } from "@ipac/runtime";
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from "@kubernetes/client-node";

/**
 * The Kubernetes writes of one reconcile, and nothing else: the applier and the reconciler decide what to write
 * and pass the write fence first; this says how it is sent. Narrow so that their branches are unit-tested
 * against a recording fake, and the real one runs against the API server end to end.
 */
export interface ClusterWriter {
  /** Merge-patches the node's labels; `null` removes one. */
  labelNode(node: string, labels: Record<string, string | null>): Promise<void>;
  /** Evicts through the Eviction API (PodDisruptionBudgets apply); a pod already gone counts as evicted. */
  evictPod(namespace: string, pod: string): Promise<void>;
  /** Merge-patches the allocation's status; an allocation deleted meanwhile is not an error. */
  patchStatus(allocation: string, status: NetIPAllocationStatus): Promise<void>;
  /**
   * Replaces the allocation's finalizers with `next`, only if its resourceVersion is still `resourceVersion`:
   * finalizers someone else just changed are never overwritten.
   */
  patchFinalizers(
    allocation: { name: string; resourceVersion?: string; finalizers: readonly string[] },
    next: readonly string[],
  ): Promise<void>;
}

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** ClusterWriter over @kubernetes/client-node. */
export class KubeClusterWriter implements ClusterWriter {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(kubeConfig: KubeConfig) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  async labelNode(node: string, labels: Record<string, string | null>): Promise<void> {
    await this.core.patchNode({ name: node, body: { metadata: { labels } } }, mergePatch);
  }

  async evictPod(namespace: string, pod: string): Promise<void> {
    await this.core
      .createNamespacedPodEviction({ name: pod, namespace, body: { metadata: { name: pod, namespace } } })
      .catch(ignoreNotFound);
  }

  async patchStatus(allocation: string, status: NetIPAllocationStatus): Promise<void> {
    await this.custom
      .patchClusterCustomObjectStatus(
        { group: GROUP, version: VERSION, plural: PLURAL, name: allocation, body: { status } },
        mergePatch,
      )
      .catch(ignoreNotFound);
  }

  async patchFinalizers(
    allocation: { name: string; resourceVersion?: string; finalizers: readonly string[] },
    next: readonly string[],
  ): Promise<void> {
    await this.custom.patchClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      name: allocation.name,
      body: [
        { op: "test", path: "/metadata/resourceVersion", value: allocation.resourceVersion },
        { op: allocation.finalizers.length === 0 ? "add" : "replace", path: "/metadata/finalizers", value: next },
      ],
    });
  }
}
