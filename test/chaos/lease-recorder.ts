import { CoordinationV1Api, V1MicroTime, Watch, type KubeConfig, type V1Lease } from "@kubernetes/client-node";
import type { LeaseRecord } from "./invariants.js";

/**
 * Records every version of one Lease through a watch (resumed from the last resourceVersion when the server
 * ends it), and writes a foreign holder into it on demand. Its own connection goes straight to the API server.
 */
export class LeaseRecorder {
  readonly records: LeaseRecord[] = [];
  private readonly api: CoordinationV1Api;
  private abort?: AbortController;
  private stopped = false;
  private resourceVersion = "";

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly namespace: string,
    private readonly name: string,
  ) {
    this.api = kubeConfig.makeApiClient(CoordinationV1Api);
  }

  async start(): Promise<void> {
    const list = await this.api.listNamespacedLease({
      namespace: this.namespace,
      fieldSelector: `metadata.name=${this.name}`,
    });
    for (const lease of list.items) this.add(lease);
    this.resourceVersion = list.metadata?.resourceVersion ?? "";
    await this.watch();
  }

  /** The replica holding the lease now, by the last version seen. */
  holder(): string | undefined {
    return this.records.at(-1)?.holder;
  }

  /** Overwrites the Lease with a holder that is no replica, with the normal duration (it never renews). */
  async overwrite(holder: string, durationSeconds: number): Promise<void> {
    const lease = await this.api.readNamespacedLease({ name: this.name, namespace: this.namespace });
    const now = new V1MicroTime();
    await this.api.replaceNamespacedLease({
      name: this.name,
      namespace: this.namespace,
      body: {
        metadata: { name: this.name, namespace: this.namespace, resourceVersion: lease.metadata?.resourceVersion },
        spec: {
          ...lease.spec,
          holderIdentity: holder,
          leaseDurationSeconds: durationSeconds,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1,
        },
      },
    });
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    this.abort = await new Watch(this.kubeConfig).watch(
      `/apis/coordination.k8s.io/v1/namespaces/${this.namespace}/leases`,
      { fieldSelector: `metadata.name=${this.name}`, resourceVersion: this.resourceVersion, allowWatchBookmarks: true },
      (phase, lease: V1Lease) => {
        this.resourceVersion = lease.metadata?.resourceVersion ?? this.resourceVersion;
        if (phase === "ADDED" || phase === "MODIFIED") this.add(lease);
      },
      () => void this.watch().catch(() => setTimeout(() => void this.watch(), 200)),
    );
  }

  private add(lease: V1Lease): void {
    const resourceVersion = lease.metadata?.resourceVersion ?? "";
    if (this.records.some((r) => r.resourceVersion === resourceVersion)) return;
    this.records.push({
      seenAt: Date.now(),
      holder: lease.spec?.holderIdentity ?? "",
      renewTime: lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0,
      resourceVersion,
    });
  }
}
