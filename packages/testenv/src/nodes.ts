import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Node } from "@kubernetes/client-node";
import { waitFor } from "./wait.js";

/** kwok simulates the kubelet of every node with this label; removing it makes the node fail (no more heartbeats). */
export const SIMULATED_NODE_LABEL = "testenv.ipac.dev/simulated";
/** The well-known zone label, as a kubelet sets it (testenv is domain-free: it does not import @ipac/api). */
const ZONE_LABEL = "topology.kubernetes.io/zone";

export interface SimulatedNodeSpec {
  name: string;
  labels?: Record<string, string>;
  zone?: string;
  providerID?: string;
  capacity?: { cpu?: string; memory?: string; pods?: string };
}

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** Node helpers for tests: create simulated nodes, cordon, drain through the Eviction API, fail, delete. */
export class SimulatedNodes {
  private readonly core: CoreV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  async create(spec: SimulatedNodeSpec): Promise<V1Node> {
    const capacity = { cpu: "16", memory: "64Gi", pods: "110", ...spec.capacity };
    const node = await this.core.createNode({
      body: {
        metadata: {
          name: spec.name,
          labels: {
            "kubernetes.io/hostname": spec.name,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            ...(spec.zone ? { [ZONE_LABEL]: spec.zone } : {}),
            ...spec.labels,
            [SIMULATED_NODE_LABEL]: "true",
          },
          annotations: { "node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake" },
        },
        spec: spec.providerID ? { providerID: spec.providerID } : {},
      },
    });
    await this.core.patchNodeStatus(
      { name: spec.name, body: { status: { capacity, allocatable: capacity } } },
      mergePatch,
    );
    return node;
  }

  /** Creates the nodes and waits until kwok reports every one Ready. */
  async createReady(specs: SimulatedNodeSpec[]): Promise<void> {
    await Promise.all(specs.map((spec) => this.create(spec)));
    await Promise.all(specs.map((spec) => this.waitForReady(spec.name, "True")));
  }

  async waitForReady(
    name: string,
    status: "True" | "False" | "Unknown" | "NotTrue",
    timeoutMs = 60_000,
  ): Promise<V1Node> {
    return waitFor(
      `node ${name} Ready=${status}`,
      async () => {
        const node = await this.core.readNode({ name });
        const ready = node.status?.conditions?.find((c) => c.type === "Ready")?.status ?? "Unknown";
        const matches = status === "NotTrue" ? ready !== "True" : ready === status;
        return matches ? node : undefined;
      },
      { timeoutMs, intervalMs: 200 },
    );
  }

  async cordon(name: string, unschedulable = true): Promise<void> {
    await this.core.patchNode({ name, body: { spec: { unschedulable } } }, mergePatch);
  }

  uncordon(name: string): Promise<void> {
    return this.cordon(name, false);
  }

  /**
   * Like `kubectl drain --ignore-daemonsets`: cordon, evict every other pod through policy/v1 Eviction
   * (a 429 from a PodDisruptionBudget is retried), then wait until the pods are gone.
   */
  async drain(name: string, timeoutMs = 60_000): Promise<void> {
    await this.cordon(name);
    const pods = await this.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${name}` });
    const evictable = pods.items.filter(
      (pod) =>
        !pod.metadata?.ownerReferences?.some((owner) => owner.kind === "DaemonSet") && !pod.metadata?.deletionTimestamp,
    );
    await Promise.all(
      evictable.map((pod) =>
        waitFor(
          `eviction of ${pod.metadata!.namespace}/${pod.metadata!.name}`,
          async () => {
            try {
              await this.core.createNamespacedPodEviction({
                name: pod.metadata!.name!,
                namespace: pod.metadata!.namespace!,
                body: { metadata: { name: pod.metadata!.name, namespace: pod.metadata!.namespace } },
              });
              return true;
            } catch (error) {
              if (statusCode(error) === 404) return true;
              throw error;
            }
          },
          { timeoutMs, intervalMs: 500 },
        ),
      ),
    );
    await waitFor(
      `pods gone from ${name}`,
      async () => {
        const left = await this.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${name}` });
        const uids = new Set(evictable.map((pod) => pod.metadata?.uid));
        return left.items.some((pod) => uids.has(pod.metadata?.uid)) ? undefined : true;
      },
      { timeoutMs, intervalMs: 200 },
    );
  }

  /** Stops the node's simulated kubelet: no more heartbeats, so the node-lifecycle controller marks it Unknown and taints it. */
  async fail(name: string): Promise<void> {
    await this.core.patchNode({ name, body: { metadata: { labels: { [SIMULATED_NODE_LABEL]: null } } } }, mergePatch);
  }

  /** Restarts the node's simulated kubelet. */
  async recover(name: string): Promise<void> {
    await this.core.patchNode({ name, body: { metadata: { labels: { [SIMULATED_NODE_LABEL]: "true" } } } }, mergePatch);
  }

  async delete(name: string): Promise<void> {
    await this.core.deleteNode({ name });
  }
}

function statusCode(error: unknown): number | undefined {
  return typeof error === "object" && error !== null && "code" in error ? Number(error.code) : undefined;
}
