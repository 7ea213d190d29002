import type { WorkloadKind } from "@ipac/api";
import { statusCode } from "@ipac/runtime";
import { AppsV1Api, type KubeConfig } from "@kubernetes/client-node";

/**
 * Whether an allocation's workload exists, asked of the API server only when the cache shows none of its pods
 * (pods in the cache prove it exists: no request in the common case), and remembered for `ttlMs`.
 */
export class WorkloadPresence {
  private readonly apps: AppsV1Api;
  private readonly known = new Map<string, { missing: boolean; until: number }>();

  constructor(
    kubeConfig: KubeConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
  }

  /** True only when the API server answered 404; any other answer (or error) is not evidence of absence. */
  async missing(
    workload: { kind: WorkloadKind; namespace: string; name: string },
    podsSeen: number,
    ttlMs: number,
  ): Promise<boolean> {
    const key = `${workload.kind}/${workload.namespace}/${workload.name}`;
    if (podsSeen > 0) {
      this.known.delete(key);
      return false;
    }
    const cached = this.known.get(key);
    if (cached && cached.until > this.now()) return cached.missing;
    const missing = await this.read(workload).then(
      () => false,
      (error: unknown) => statusCode(error) === 404,
    );
    this.known.set(key, { missing, until: this.now() + ttlMs });
    return missing;
  }

  private read({ kind, namespace, name }: { kind: WorkloadKind; namespace: string; name: string }) {
    const request = { namespace, name };
    switch (kind) {
      case "Deployment":
        return this.apps.readNamespacedDeployment(request);
      case "StatefulSet":
        return this.apps.readNamespacedStatefulSet(request);
      case "DaemonSet":
        return this.apps.readNamespacedDaemonSet(request);
    }
  }
}
