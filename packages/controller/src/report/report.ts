import { IP_READY_LABEL } from "@ipac/api";
import type { DecideInput, DecideOutput } from "../decide/index.js";
import type { ControllerMetrics } from "../metrics.js";
import { FailoverClock } from "./failover-clock.js";

/**
 * netipallocation_reconcile_total's status: `success`; `error` when a cloud call or another write failed or the
 * cloud could not be read (the existing controller's value, which alerts use); `controller_error` when the
 * reconcile itself failed (e.g. the API server refused a write it needs).
 */
export type ReconcileStatus = "success" | "error" | "controller_error";

/** What reconciles show outside: the metrics of each pass and of each allocation, and failover latency. */
export class Reporter {
  private readonly failover = new FailoverClock();

  constructor(private readonly metrics: ControllerMetrics) {}

  reconciled(name: string, status: ReconcileStatus, seconds: number): void {
    this.metrics.reconcileTotal.inc({ crd_name: name, status });
    this.metrics.reconcileDuration.observe({ crd_name: name }, seconds);
  }

  /** One pass's view and decision of an allocation: its gauges, its nodes' cordons, failovers it saw complete. */
  allocation(input: DecideInput, output: DecideOutput): void {
    const name = input.allocation.name;
    const attachments = new Map<string, string>();
    for (const a of output.status.assignments ?? [])
      if (a.state === "Attached" && a.node) attachments.set(a.ip, a.node);
    const readyNodes = input.nodes.filter(
      (n) => n.labels[IP_READY_LABEL] === "true" && [...attachments.values()].includes(n.name),
    );
    this.metrics.reportAllocation(name, {
      healthy: output.status.conditions?.find((c) => c.type === "Ready")?.status === "True",
      reserved: output.status.reservedCount ?? 0,
      attached: output.status.attachedCount ?? 0,
      unattached: output.status.unattachedCount ?? 0,
      eligibleNodes: output.eligibleNodes,
      attachments,
      readyNodes: readyNodes.map((n) => n.name),
    });
    for (const node of input.nodes) this.metrics.reportNodeCordoned(node.name, node.unschedulable);
    for (const seconds of this.failover.update(input))
      this.metrics.failoverSeconds.observe({ crd_name: name }, seconds);
  }

  /** The allocation is gone: its series and clocks go too. */
  forget(name: string): void {
    this.metrics.forgetAllocation(name);
    this.failover.forget(name);
  }
}
