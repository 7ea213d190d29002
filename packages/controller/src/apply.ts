import {
  API_VERSION,
  GROUP,
  IP_READY_LABEL,
  KIND,
  PLURAL,
  VERSION,
  type NetIPAllocation,
  type NetIPAllocationStatus,
} from "@ipac/api";
import { isRetryable, retryDelayHint, toCloudError, type AddressScope, type CloudProvider } from "@ipac/cloud";
import { ignoreNotFound, type EventRecorder } from "@ipac/runtime";
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import PQueue from "p-queue";
import { actionChains } from "./action-chains.js";
import type { Action, DecideOutput } from "./decide/index.js";
import type { ControllerMetrics } from "./metrics.js";
import type { NodeClaims } from "./node-claims.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
/** IPs of one allocation moved at once: a zone going down moves them in the time of one, within API limits. */
const PARALLEL_CHAINS = 8;

export interface ApplyContext {
  kubeConfig: KubeConfig;
  cloud?: CloudProvider;
  scope: AddressScope;
  recorder: EventRecorder;
  metrics: ControllerMetrics;
  claims: NodeClaims;
  logger: Logger;
  /** Checked before every write to the cluster (the cloud provider checks its own). */
  isLeader: () => boolean;
}

/** What applying left undone, for the reconciler's retry decision. */
export interface ApplyResult {
  /** A failure worth retrying with backoff (cloud throttling, transient errors, API errors). */
  retryable?: unknown;
  /** A retry delay the cloud or a PDB asked for. */
  retryAfterMs?: number;
  failedActions: number;
}

/**
 * Carries out decide's output: each IP's actions in order (label off, detach, attach, label on), the IPs side by
 * side, then status and Events. An action whose prerequisite failed is skipped (no label without its attach). In
 * dry-run nothing is written but the status and "would ..." Events.
 */
export class Applier {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(private readonly ctx: ApplyContext) {
    this.core = ctx.kubeConfig.makeApiClient(CoreV1Api);
    this.custom = ctx.kubeConfig.makeApiClient(CustomObjectsApi);
  }

  async apply(allocation: NetIPAllocation, output: DecideOutput): Promise<ApplyResult> {
    const name = allocation.metadata.name;
    const involved = { apiVersion: API_VERSION, kind: KIND, name, uid: allocation.metadata.uid ?? "" };
    const result: ApplyResult = { failedActions: 0 };
    const failed = new Set<number>();
    const run = async (index: number) => {
      const action = output.actions[index]!;
      const log = this.ctx.logger.child({ action: action.type, ...describe(action) });
      if ("after" in action && action.after !== undefined && failed.has(action.after)) {
        failed.add(index);
        return;
      }
      if (output.dryRun) {
        this.ctx.recorder.record(involved, "Normal", "DryRun", `would ${summary(action)}`);
        log.info({ dryRun: true }, `dry-run: would ${summary(action)}`);
        return;
      }
      try {
        if (!this.ctx.isLeader()) throw new Error("not the leader any more");
        await this.execute(name, action);
        log.info(summary(action));
        const event = successEvent(action);
        if (event) this.ctx.recorder.record(involved, "Normal", event.reason, event.message);
      } catch (error) {
        failed.add(index);
        result.failedActions++;
        this.recordFailure(involved, action, error, result, log);
      }
    };
    // Each IP's chain in order; the chains side by side, a few at a time.
    const chains = new PQueue({ concurrency: PARALLEL_CHAINS });
    await chains.addAll(
      actionChains(output.actions).map((chain) => async () => {
        for (const index of chain) await run(index);
      }),
    );
    for (const event of output.events) this.ctx.recorder.record(involved, event.type, event.reason, event.message);
    await this.writeStatus(allocation, output.status);
    return result;
  }

  private recordFailure(
    involved: Parameters<EventRecorder["record"]>[0],
    action: Action,
    error: unknown,
    result: ApplyResult,
    log: Logger,
  ): void {
    const message = error instanceof Error ? error.message : String(error);
    log.warn({ err: message }, `failed to ${summary(action)}`);
    if (action.type === "attach" || action.type === "detach") {
      const cloudError = toCloudError(error, { provider: this.ctx.scope.provider, operation: action.type });
      this.ctx.metrics.cloudApiError(this.ctx.scope.provider, action.type, cloudError.kind);
      (action.type === "attach" ? this.ctx.metrics.attachTotal : this.ctx.metrics.detachTotal).inc({
        crd_name: involved.name,
        status: "error",
      });
      this.ctx.recorder.record(involved, "Warning", "CloudError", `${summary(action)} failed: ${message}`);
      if (isRetryable(cloudError)) result.retryable ??= cloudError;
      const hint = retryDelayHint(cloudError);
      if (hint !== undefined) result.retryAfterMs = Math.max(result.retryAfterMs ?? 0, hint);
    } else if (action.type === "evict" && (error as { code?: number }).code === 429) {
      result.retryAfterMs = Math.max(result.retryAfterMs ?? 0, 5_000); // a PodDisruptionBudget says not now
    } else {
      result.retryable ??= error;
    }
  }

  private async execute(allocation: string, action: Action): Promise<void> {
    const { cloud, scope, claims, metrics } = this.ctx;
    switch (action.type) {
      case "attach": {
        if (!cloud) throw new Error(`no ${scope.provider} cloud adapter is configured`);
        // Two allocations reconciled at once must never pick the same node.
        if (!claims.claim(action.node, allocation, action.ip))
          throw new Error(`node ${action.node} was just given another IP`);
        try {
          await cloud.attach(scope, action.ip, action.instance, { reassociate: action.reassociate === true });
        } catch (error) {
          claims.release(action.node, allocation);
          throw error;
        }
        if (action.from) claims.release(action.from, allocation);
        metrics.attachTotal.inc({ crd_name: allocation, status: "success" });
        return;
      }
      case "detach":
        if (!cloud) throw new Error(`no ${scope.provider} cloud adapter is configured`);
        await cloud.detach(scope, action.ip, action.instance);
        if (action.node) claims.release(action.node, allocation);
        metrics.detachTotal.inc({ crd_name: allocation, status: "success" });
        return;
      case "label":
        await this.core.patchNode(
          { name: action.node, body: { metadata: { labels: { [IP_READY_LABEL]: action.set ? "true" : null } } } },
          mergePatch,
        );
        return;
      case "evict":
        await this.core
          .createNamespacedPodEviction({
            name: action.pod,
            namespace: action.namespace,
            body: { metadata: { name: action.pod, namespace: action.namespace } },
          })
          .catch(ignoreNotFound);
        return;
    }
  }

  private async writeStatus(allocation: NetIPAllocation, status: NetIPAllocationStatus): Promise<void> {
    if (JSON.stringify(allocation.status ?? {}) === JSON.stringify(status)) return;
    // Deleted meanwhile: nothing to report on.
    await this.custom
      .patchClusterCustomObjectStatus(
        { group: GROUP, version: VERSION, plural: PLURAL, name: allocation.metadata.name, body: { status } },
        mergePatch,
      )
      .catch(ignoreNotFound);
  }
}

function describe(action: Action): Record<string, string> {
  switch (action.type) {
    case "attach":
      return { ip: action.ip, node: action.node };
    case "detach":
      return { ip: action.ip, node: action.node ?? action.instance.name };
    case "label":
      return { node: action.node };
    case "evict":
      return { node: action.node, pod: `${action.namespace}/${action.pod}` };
  }
}

function summary(action: Action): string {
  switch (action.type) {
    case "attach":
      return action.from
        ? `move ${action.ip} from node ${action.from} to node ${action.node} (${action.reason})`
        : `attach ${action.ip} to node ${action.node}`;
    case "detach":
      return `detach ${action.ip} from ${action.node ? `node ${action.node}` : `instance ${action.instance.name}`} (${action.reason})`;
    case "label":
      return `${action.set ? "set" : "remove"} label ip.ready on node ${action.node}`;
    case "evict":
      return `evict pod ${action.namespace}/${action.pod} from node ${action.node}, which has no IP`;
  }
}

function successEvent(action: Action): { reason: string; message: string } | undefined {
  switch (action.type) {
    case "attach":
      return action.from
        ? {
            reason: "IPMoved",
            message: `moved ${action.ip} from node ${action.from} to node ${action.node}: ${action.reason}`,
          }
        : { reason: "IPAttached", message: `attached ${action.ip} to node ${action.node}` };
    case "detach":
      return {
        reason: "IPDetached",
        message: `detached ${action.ip} from ${action.node ?? action.instance.name}: ${action.reason}`,
      };
    case "evict":
      return {
        reason: "PodEvicted",
        message: `evicted pod ${action.namespace}/${action.pod} from node ${action.node}, which has no IP`,
      };
    case "label":
      return undefined;
  }
}
