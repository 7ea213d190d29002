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
import {
  FencedError,
  isRetryable,
  retryDelayHint,
  toCloudError,
  type AddressScope,
  type CloudProvider,
  type WriteFence,
} from "@ipac/cloud";

import { ignoreNotFound, type EventRecorder } from "@ipac/runtime";
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import PQueue from "p-queue";
import { actionChains } from "./action-chains.js";
import { canonicalJson } from "./canonical-json.js";
import { cloudFailure, cloudFailureText } from "./cloud-failure.js";
import type { Action, DecideOutput } from "./decide/index.js";
import type { InterruptedAttach } from "./interrupted-attach.js";
import { errorFields, type FailureLog } from "./failure-log.js";
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
  /** Failures are logged here: once, then rate-limited while they repeat. */
  failures: FailureLog;
  /** Passed before every write to the cluster; the cloud adapters pass it before each request they send. */
  fence: WriteFence;
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

  /**
   * `interrupted`: nodes an earlier attach may have left without an external IP; they are repaired first, and
   * while one cannot be, nothing else is done (its intent stays recorded in the status for the next try).
   */
  async apply(
    allocation: NetIPAllocation,
    output: DecideOutput,
    interrupted: readonly InterruptedAttach[] = [],
  ): Promise<ApplyResult> {
    const name = allocation.metadata.name;
    const involved = { apiVersion: API_VERSION, kind: KIND, name, uid: allocation.metadata.uid ?? "" };
    const result: ApplyResult = { failedActions: 0 };
    if (!output.dryRun && !(await this.repair(involved, interrupted, result))) return result;
    // The status names each attach's target before the first cloud step: the intent a successor repairs from.
    if (!output.dryRun && output.actions.some((action) => action.type === "attach"))
      await this.writeStatus(allocation, output.status);
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
        this.ctx.fence.check(summary(action));
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

  /** Gives interrupted attaches' nodes their external IP back; false if one could not be repaired. */
  private async repair(
    involved: Parameters<EventRecorder["record"]>[0],
    interrupted: readonly InterruptedAttach[],
    result: ApplyResult,
  ): Promise<boolean> {
    const { cloud, scope, fence, recorder, logger } = this.ctx;
    if (!cloud?.restoreExternalIP) return true;
    for (const { ip, node, instance } of interrupted) {
      const log = logger.child({ action: "restoreExternalIP", ip, node });
      try {
        if (!(await cloud.restoreExternalIP(scope, instance, { fence }))) continue;
        const message = `node ${node} had no external IP after an interrupted attach of ${ip}: gave it an ephemeral IP back`;
        log.warn(message);
        recorder.record(involved, "Warning", "ExternalIPRestored", message);
      } catch (error) {
        const message = `node ${node} may have no external IP after an interrupted attach of ${ip}; restoring it failed: ${error instanceof Error ? error.message : String(error)}`;
        log.error(message);
        if (!(error instanceof FencedError)) recorder.record(involved, "Warning", "ExternalIPMissing", message);
        result.failedActions++;
        result.retryable ??= error;
        return false;
      }
    }
    return true;
  }

  private recordFailure(
    involved: Parameters<EventRecorder["record"]>[0],
    action: Action,
    error: unknown,
    result: ApplyResult,
    log: Logger,
  ): void {
    const key = `${involved.name}/${action.type}/${describe(action).ip ?? ""}/${describe(action).node ?? ""}`;
    if (error instanceof FencedError) return; // the lease is lost: nothing to retry or report here
    if (action.type === "attach" || action.type === "detach") {
      const cloudError = toCloudError(error, { provider: this.ctx.scope.provider, operation: action.type });
      const failure = cloudFailure(cloudError);
      const { errorClass, code } = failure;
      this.ctx.failures.warn(
        `${key}/${errorClass}`,
        { operation: action.type, errorClass, ...(code ? { code } : {}), err: failure.message },
        `failed to ${summary(action)}`,
        log,
      );
      this.ctx.metrics.cloudApiError(this.ctx.scope.provider, action.type, cloudError.kind);
      (action.type === "attach" ? this.ctx.metrics.attachTotal : this.ctx.metrics.detachTotal).inc({
        crd_name: involved.name,
        status: "error",
      });
      // Short and stable, so repeats of one failure aggregate into one Event.
      this.ctx.recorder.record(involved, "Warning", "CloudError", cloudFailureText(shortSummary(action), failure));
      if (isRetryable(cloudError)) result.retryable ??= cloudError;
      const hint = retryDelayHint(cloudError);
      if (hint !== undefined) result.retryAfterMs = Math.max(result.retryAfterMs ?? 0, hint);
    } else {
      this.ctx.failures.warn(
        key,
        { operation: action.type, ...errorFields(error) },
        `failed to ${summary(action)}`,
        log,
      );
      if (action.type === "evict" && (error as { code?: number }).code === 429) {
        result.retryAfterMs = Math.max(result.retryAfterMs ?? 0, 5_000); // a PodDisruptionBudget says not now
      } else {
        result.retryable ??= error;
      }
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
          await cloud.attach(scope, action.ip, action.instance, {
            fence: this.ctx.fence,
            reassociate: action.reassociate === true,
          });
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
        await cloud.detach(scope, action.ip, action.instance, { fence: this.ctx.fence });
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

  /** The status last written by this applier (the intent, then the outcome), to skip writing it twice. */
  private written?: string;

  private async writeStatus(allocation: NetIPAllocation, status: NetIPAllocationStatus): Promise<void> {
    const next = canonicalJson(status);
    if ((this.written ?? canonicalJson(allocation.status ?? {})) === next) return;
    this.written = next;
    this.ctx.fence.check(`update the status of ${allocation.metadata.name}`);
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

function shortSummary(action: Action & { type: "attach" | "detach" }): string {
  return action.type === "attach"
    ? `attach ${action.ip} to node ${action.node}`
    : `detach ${action.ip} from ${action.node ? `node ${action.node}` : `instance ${action.instance.name}`}`;
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
