import { API_VERSION, IP_READY_LABEL, KIND, type NetIPAllocation, type NetIPAllocationStatus } from "@ipac/api";
import {
  FencedError,
  isPermanent,
  retryDelayHint,
  toCloudError,
  type AddressScope,
  type CloudError,
  type CloudProvider,
  type WriteFence,
} from "@ipac/cloud";
import type { EventRecorder } from "@ipac/runtime";
import type { Logger } from "pino";
import PQueue from "p-queue";
import { actionChains } from "./action-chains.js";
import { canonicalJson } from "../canonical-json.js";
import { cloudFailure, cloudFailureText } from "../cloud-failure.js";
import type { Action, DecideOutput } from "../decide/index.js";
import { errorFields, type FailureLog } from "../failure-log.js";
import type { ControllerMetrics } from "../metrics.js";
import type { MissingInstances } from "../missing-instances.js";
import type { NodeClaims } from "../node-claims.js";
import { ControllerRefusal } from "../refusal.js";
import type { RetryPolicy } from "../retry-policy.js";
import type { ClusterWriter } from "./cluster-writer.js";
import type { InterruptedAttach } from "./interrupted-attach.js";
import { evictionRefusal } from "./eviction-refusal.js";

/** What the retry policy remembers of a failure: what failed and how, for status and conditions. */
export interface FailureDetail {
  action: "attach" | "detach" | "evict" | "read";
  node?: string;
  /** CloudErrorKind, or "EvictionBlocked". */
  kind: string;
  text: string;
}

/** Retry-policy keys: an allocation's cloud read, one IP's cloud writes, one pod's eviction. */
export const retryKeys = {
  of: (allocation: string) => `${allocation}/`,
  read: (allocation: string) => `${allocation}/read`,
  ips: (allocation: string) => `${allocation}/ip/`,
  ip: (allocation: string, ip: string) => `${allocation}/ip/${ip}`,
  evict: (allocation: string, namespace: string, pod: string) => `${allocation}/evict/${namespace}/${pod}`,
};

/** IPs of one allocation moved at once: a zone going down moves them in the time of one, within API limits. */
const PARALLEL_CHAINS = 8;

export interface ApplyContext {
  cluster: ClusterWriter;
  cloud?: CloudProvider;
  scope: AddressScope;
  recorder: Pick<EventRecorder, "record">;
  metrics: ControllerMetrics;
  claims: NodeClaims;
  logger: Logger;
  /** Failures are logged here: once, then rate-limited while they repeat. */
  failures: FailureLog;
  /** Passed before every write to the cluster; the cloud adapters pass it before each request they send. */
  fence: WriteFence;
  /** The retry policy: a cloud write or eviction waiting for its retry is not sent. */
  retry: RetryPolicy<FailureDetail>;
  /** Instances the cloud said do not exist: their nodes are gone. */
  missing: MissingInstances;
  /** The allocation's reconcile interval: what a permanent failure waits. */
  intervalMs: number;
  /**
   * Why a node can no longer take an IP, from the cache as it is now (cordoned a moment after decide saw it), or
   * undefined: a chain that moves an IP there is not started, and the allocation is looked at again soon.
   */
  targetUnfit?: (node: string) => string | undefined;
}

/** What applying left undone, for the reconciler's retry decision. */
export interface ApplyResult {
  /** A Kubernetes API failure (label, status, repair) to retry with the work queue's backoff. */
  retryable?: unknown;
  /** Look again soon: the world changed under a write (a node just claimed, an instance found missing). */
  requeueSoon?: boolean;
  /** Actions not tried: their IP or pod waits for its retry, or their target became unfit. */
  deferred: number;
  /** Actions sent (whatever their outcome): the pass should be confirmed soon. */
  attempted: number;
  failedActions: number;
}

/**
 * Carries out decide's output: each IP's actions in order (label off, detach, attach, label on), the IPs side by
 * side, then status and Events. An action whose prerequisite failed is skipped (no label without its attach). In
 * dry-run nothing is written but the status and "would ..." Events.
 */
export class Applier {
  constructor(private readonly ctx: ApplyContext) {}

  /**
   * `interrupted`: nodes an earlier attach may have left without an external IP; they are repaired first (unless
   * an attach of this pass that will run gives them an IP), and while one cannot be, nothing else is done (its
   * intent stays recorded in the status for the next try).
   */
  async apply(
    allocation: NetIPAllocation,
    output: DecideOutput,
    interrupted: readonly InterruptedAttach[] = [],
  ): Promise<ApplyResult> {
    const name = allocation.metadata.name;
    const involved = { apiVersion: API_VERSION, kind: KIND, name, uid: allocation.metadata.uid ?? "" };
    const result: ApplyResult = { failedActions: 0, deferred: 0, attempted: 0 };
    // Which chains run in this pass: not those waiting for their IP's retry, nor those whose target the cache now
    // shows unfit. Decided before anything is sent, so that the repair knows which targets really get an attach.
    const runnable: number[][] = [];
    for (const chain of actionChains(output.actions)) {
      const actions = chain.map((index) => output.actions[index]!);
      const key = actions[0]!.type === "evict" ? undefined : this.retryKeyOf(name, actions[0]!);
      const unfit = !output.dryRun && this.unfitTarget(actions);
      if (!output.dryRun && key && this.ctx.retry.waiting(key)) result.deferred += chain.length;
      else if (unfit) {
        result.deferred += chain.length;
        result.requeueSoon = true;
        this.ctx.logger.info({ node: unfit.node }, `not moving an IP there: ${unfit.reason}`);
      } else runnable.push(chain);
    }
    const attachedNow = new Set(
      runnable.flat().flatMap((index) => {
        const action = output.actions[index]!;
        return action.type === "attach" ? [action.node] : [];
      }),
    );
    const toRepair = interrupted.filter((node) => !attachedNow.has(node.node));
    if (!output.dryRun && !(await this.repair(involved, toRepair, result))) return result;
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
      // An eviction (or a label outside an IP's chain) waiting for its retry: not tried until the policy says so.
      const key = this.retryKeyOf(name, action);
      if (!output.dryRun && key && this.ctx.retry.waiting(key)) {
        failed.add(index);
        result.deferred++;
        return;
      }
      if (output.dryRun) {
        this.ctx.recorder.record(involved, "Normal", "DryRun", `would ${summary(action)}`);
        log.info({ dryRun: true }, `dry-run: would ${summary(action)}`);
        return;
      }
      try {
        this.ctx.fence.check(summary(action));
        result.attempted++;
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
      runnable.map((chain) => async () => {
        for (const index of chain) await run(index);
      }),
    );
    for (const event of output.events) this.ctx.recorder.record(involved, event.type, event.reason, event.message);
    return result;
  }

  private unfitTarget(chain: readonly Action[]): { node: string; reason: string } | undefined {
    for (const action of chain) {
      if (action.type !== "attach") continue;
      const reason = this.ctx.targetUnfit?.(action.node);
      if (reason) return { node: action.node, reason };
    }
    return undefined;
  }

  private retryKeyOf(allocation: string, action: Action): string | undefined {
    if (action.type === "evict") return retryKeys.evict(allocation, action.namespace, action.pod);
    return action.ip ? retryKeys.ip(allocation, action.ip) : undefined;
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
    const allocation = involved.name;
    const key = `${allocation}/${action.type}/${describe(action).ip ?? ""}/${describe(action).node ?? ""}`;
    if (error instanceof FencedError) return; // the lease is lost: nothing to retry or report here
    if (error instanceof ControllerRefusal) {
      log.info({ reason: error.reason }, `not sent: ${error.message}`);
      result.requeueSoon = true;
      return;
    }
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
        crd_name: allocation,
        status: "error",
      });
      const text = cloudFailureText(shortSummary(action), failure);
      // Short and stable, so repeats of one failure aggregate into one Event.
      this.ctx.recorder.record(involved, "Warning", "CloudError", text);
      if (this.instanceMissing(involved, action, cloudError)) {
        result.requeueSoon = true; // its node is gone now: place the IP elsewhere at once
        return;
      }
      this.ctx.retry.failed(
        retryKeys.ip(allocation, action.ip),
        {
          permanent: isPermanent(cloudError),
          retryAfterMs: retryDelayHint(cloudError),
          intervalMs: this.ctx.intervalMs,
        },
        { action: action.type, ...(action.node ? { node: action.node } : {}), kind: cloudError.kind, text },
      );
    } else if (action.type === "evict" && (error as { code?: number }).code === 429) {
      // A PodDisruptionBudget says not now: wait as long as the API server asks, backing off, and say which one.
      const refusal = evictionRefusal(error);
      const text = `eviction of pod ${action.namespace}/${action.pod} from node ${action.node} is blocked: ${refusal.message}`;
      this.ctx.recorder.record(involved, "Warning", "EvictionBlocked", text);
      log.info({ pdb: refusal.budget }, text);
      this.ctx.retry.failed(
        retryKeys.evict(allocation, action.namespace, action.pod),
        { permanent: false, retryAfterMs: refusal.retryAfterMs, intervalMs: this.ctx.intervalMs },
        { action: "evict", node: action.node, kind: "EvictionBlocked", text },
      );
    } else {
      this.ctx.failures.warn(
        key,
        { operation: action.type, ...errorFields(error) },
        `failed to ${summary(action)}`,
        log,
      );
      result.retryable ??= error;
    }
  }

  /** A NotFound about the target instance: its node is gone (VM deleted outside Kubernetes). */
  private instanceMissing(
    involved: Parameters<EventRecorder["record"]>[0],
    action: Action & { type: "attach" | "detach" },
    error: CloudError,
  ): boolean {
    if (error.kind !== "NotFound" || error.resource !== "instance" || action.type !== "attach") return false;
    if (this.ctx.missing.mark(action.instance.key))
      this.ctx.recorder.record(
        involved,
        "Warning",
        "InstanceNotFound",
        `node ${action.node}: instance ${action.instance.name} not found in the cloud; the node is treated as gone`,
      );
    return true;
  }

  private async execute(allocation: string, action: Action): Promise<void> {
    const { cloud, scope, claims, metrics } = this.ctx;
    switch (action.type) {
      case "attach": {
        if (!cloud) throw noAdapter(scope);
        // Two allocations reconciled at once must never pick the same node.
        if (!claims.claim(action.node, allocation, action.ip))
          throw new ControllerRefusal("NodeClaimed", `node ${action.node} was just given another IP`);
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
        this.ctx.retry.succeeded(retryKeys.ip(allocation, action.ip));
        return;
      }
      case "detach":
        if (!cloud) throw noAdapter(scope);
        await cloud.detach(scope, action.ip, action.instance, { fence: this.ctx.fence });
        if (action.node) claims.release(action.node, allocation);
        metrics.detachTotal.inc({ crd_name: allocation, status: "success" });
        this.ctx.retry.succeeded(retryKeys.ip(allocation, action.ip));
        return;
      case "label":
        await this.ctx.cluster.labelNode(action.node, { [IP_READY_LABEL]: action.set ? "true" : null });
        return;
      case "evict":
        await this.ctx.cluster.evictPod(action.namespace, action.pod);
        this.ctx.retry.succeeded(retryKeys.evict(allocation, action.namespace, action.pod));
        return;
    }
  }

  /** The status last written by this applier (the intent, then the outcome), to skip writing it twice. */
  private written?: string;

  /** Writes the status unless this applier, or the stored object, already has exactly it (keys in any order). */
  async writeStatus(allocation: NetIPAllocation, status: NetIPAllocationStatus): Promise<void> {
    const next = canonicalJson(status);
    if ((this.written ?? canonicalJson(allocation.status ?? {})) === next) return;
    this.written = next;
    this.ctx.fence.check(`update the status of ${allocation.metadata.name}`);
    await this.ctx.cluster.patchStatus(allocation.metadata.name, status);
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

function noAdapter(scope: AddressScope): ControllerRefusal {
  return new ControllerRefusal("NoCloudAdapter", `no ${scope.provider} cloud adapter is configured in this controller`);
}
