import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** What one reconcile of an allocation reports to the gauges. */
export interface AllocationFacts {
  healthy: boolean;
  reserved: number;
  attached: number;
  unattached: number;
  eligibleNodes: number;
  /** ip → node holding it (confirmed by the cloud). */
  attachments: ReadonlyMap<string, string>;
  /** Nodes of this allocation carrying ip.ready=true. */
  readyNodes: readonly string[];
}

/**
 * The existing controller's metrics (same names and labels, so dashboards and alerts keep working), plus
 * capacity and failover latency. With CLUSTER_NAME set every series carries a `cluster` label. Series of
 * deleted allocations and nodes are removed, so no stale values linger.
 */
export class ControllerMetrics {
  readonly registry: Registry;
  private readonly podName: string;
  private readonly crdStatus: Gauge<"crd_name">;
  private readonly reserved: Gauge<"crd_name">;
  private readonly attached: Gauge<"crd_name">;
  private readonly unattached: Gauge<"crd_name">;
  private readonly eligibleNodes: Gauge<"crd_name">;
  private readonly ipAttached: Gauge<"crd_name" | "ip" | "node">;
  private readonly nodeIpReady: Gauge<"node" | "crd_name">;
  private readonly nodeCordoned: Gauge<"node">;
  private readonly isLeader: Gauge<"pod_name">;
  private readonly healthy: Gauge<"pod_name">;
  private readonly ready: Gauge<"pod_name">;
  readonly reconcileTotal: Counter<"crd_name" | "status">;
  readonly attachTotal: Counter<"crd_name" | "status">;
  readonly detachTotal: Counter<"crd_name" | "status">;
  private readonly gcpApiErrors: Counter<"operation" | "error_type">;
  private readonly cloudApiErrors: Counter<"provider" | "operation" | "error_type">;
  private readonly cloudApiDuration: Histogram<"provider" | "operation" | "result">;
  readonly reconcileDuration: Histogram<"crd_name">;
  readonly failoverSeconds: Histogram<"crd_name">;
  /** Label sets written per allocation, to remove exactly those when it changes or goes away. */
  private readonly written = new Map<string, { ips: Map<string, string>; readyNodes: Set<string> }>();

  constructor(options: { podName: string; version: string; clusterName?: string; registry?: Registry }) {
    const registry = (this.registry = options.registry ?? new Registry());
    if (options.clusterName) registry.setDefaultLabels({ cluster: options.clusterName });
    // process_* (CPU, memory, file descriptors) and nodejs_* (event-loop lag, heap, GC), with the cluster label.
    collectDefaultMetrics({ register: registry });
    const gauge = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Gauge<L>({ name, help, labelNames, registers: [registry] });
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Counter<L>({ name, help, labelNames, registers: [registry] });

    this.crdStatus = gauge("netipallocation_crd_status", "Status of NetIPAllocation CRD (1=healthy, 0=unhealthy)", [
      "crd_name",
    ]);
    this.reserved = gauge("netipallocation_reserved_ips_total", "Total number of reserved IPs in CRD", ["crd_name"]);
    this.attached = gauge("netipallocation_attached_ips_total", "Number of IPs currently attached to nodes", [
      "crd_name",
    ]);
    this.unattached = gauge("netipallocation_unattached_ips_total", "Number of IPs not attached to any node", [
      "crd_name",
    ]);
    this.eligibleNodes = gauge(
      "netipallocation_eligible_nodes",
      "Nodes eligible to hold an IP of the allocation (capacity: compare with reserved IPs)",
      ["crd_name"],
    );
    this.ipAttached = gauge(
      "netipallocation_ip_attached",
      "Whether IP is attached to a node (1=attached, 0=not attached)",
      ["crd_name", "ip", "node"],
    );
    this.nodeIpReady = gauge("netipallocation_node_ip_ready", "Whether node has ip.ready=true label (1=ready)", [
      "node",
      "crd_name",
    ]);
    this.nodeCordoned = gauge("netipallocation_node_cordoned", "Whether node is cordoned (1=cordoned, 0=schedulable)", [
      "node",
    ]);
    this.isLeader = gauge("netipallocation_controller_is_leader", "Whether this instance is the leader", ["pod_name"]);
    this.healthy = gauge("netipallocation_controller_healthy", "Whether controller is healthy", ["pod_name"]);
    this.ready = gauge("netipallocation_controller_ready", "Whether controller is ready", ["pod_name"]);
    this.reconcileTotal = counter(
      "netipallocation_reconcile_total",
      "Total number of reconciliation runs by status: success; error (a cloud call or another write failed, or the cloud could not be read); controller_error (the reconcile itself failed)",
      ["crd_name", "status"],
    );
    this.attachTotal = counter("netipallocation_ip_attach_total", "Total number of IP attach operations", [
      "crd_name",
      "status",
    ]);
    this.detachTotal = counter("netipallocation_ip_detach_total", "Total number of IP detach operations", [
      "crd_name",
      "status",
    ]);
    this.gcpApiErrors = counter("netipallocation_gcp_api_errors_total", "Total number of GCP API errors", [
      "operation",
      "error_type",
    ]);
    this.cloudApiErrors = counter("netipallocation_cloud_api_errors_total", "Cloud API errors by provider", [
      "provider",
      "operation",
      "error_type",
    ]);
    this.cloudApiDuration = new Histogram({
      name: "netipallocation_cloud_api_duration_seconds",
      help: "Cloud calls (observe, attach, detach) by provider, operation and result (success or error class)",
      labelNames: ["provider", "operation", "result"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    });
    this.reconcileDuration = new Histogram({
      name: "netipallocation_reconcile_duration_seconds",
      help: "Time spent in reconciliation",
      labelNames: ["crd_name"],
      buckets: [0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0],
      registers: [registry],
    });
    this.failoverSeconds = new Histogram({
      name: "netipallocation_failover_seconds",
      help: "Time from the controller first seeing an IP's node ineligible (or the IP on no node) to the IP attached to another node and that node labelled ip.ready=true",
      labelNames: ["crd_name"],
      buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300],
      registers: [registry],
    });
    const info = gauge("netipallocation_controller_info", "Controller information", ["version", "pod_name"]);
    info.set({ version: options.version, pod_name: options.podName }, 1);
    this.podName = options.podName;
  }

  setLeader(leader: boolean): void {
    this.isLeader.set({ pod_name: this.podName }, leader ? 1 : 0);
  }

  setHealthy(healthy: boolean): void {
    this.healthy.set({ pod_name: this.podName }, healthy ? 1 : 0);
  }

  setReady(ready: boolean): void {
    this.ready.set({ pod_name: this.podName }, ready ? 1 : 0);
  }

  cloudApiCall(provider: string, operation: string, result: string, seconds: number): void {
    this.cloudApiDuration.observe({ provider, operation, result }, seconds);
  }

  cloudApiError(provider: string, operation: string, errorType: string): void {
    this.cloudApiErrors.inc({ provider, operation, error_type: errorType });
    if (provider === "gcp") this.gcpApiErrors.inc({ operation, error_type: errorType });
  }

  reportAllocation(name: string, facts: AllocationFacts): void {
    const labels = { crd_name: name };
    this.crdStatus.set(labels, facts.healthy ? 1 : 0);
    this.reserved.set(labels, facts.reserved);
    this.attached.set(labels, facts.attached);
    this.unattached.set(labels, facts.unattached);
    this.eligibleNodes.set(labels, facts.eligibleNodes);
    const previous = this.written.get(name) ?? { ips: new Map<string, string>(), readyNodes: new Set<string>() };
    for (const [ip, node] of previous.ips) {
      if (facts.attachments.get(ip) !== node) this.ipAttached.remove({ crd_name: name, ip, node });
    }
    for (const [ip, node] of facts.attachments) this.ipAttached.set({ crd_name: name, ip, node }, 1);
    const readyNodes = new Set(facts.readyNodes);
    for (const node of previous.readyNodes) {
      if (!readyNodes.has(node)) this.nodeIpReady.remove({ node, crd_name: name });
    }
    for (const node of readyNodes) this.nodeIpReady.set({ node, crd_name: name }, 1);
    this.written.set(name, { ips: new Map(facts.attachments), readyNodes });
  }

  forgetAllocation(name: string): void {
    const labels = { crd_name: name };
    for (const gauge of [this.crdStatus, this.reserved, this.attached, this.unattached, this.eligibleNodes]) {
      gauge.remove(labels);
    }
    const previous = this.written.get(name);
    for (const [ip, node] of previous?.ips ?? []) this.ipAttached.remove({ crd_name: name, ip, node });
    for (const node of previous?.readyNodes ?? []) this.nodeIpReady.remove({ node, crd_name: name });
    this.written.delete(name);
  }

  reportNodeCordoned(node: string, cordoned: boolean): void {
    this.nodeCordoned.set({ node }, cordoned ? 1 : 0);
  }

  forgetNode(node: string): void {
    this.nodeCordoned.remove({ node });
  }
}
