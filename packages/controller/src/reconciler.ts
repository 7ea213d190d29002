import { FINALIZER, validateSpec, type CloudProviderName, type NetIPAllocation, type ValidatedSpec } from "@ipac/api";
import { isPermanentKind, scopeOf, type CloudProvider, type WriteFence } from "@ipac/cloud";
import type { EventRecorder, HandlerResult } from "@ipac/runtime";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { Applier, retryKeys, type FailureDetail } from "./apply/apply.js";
import { KubeClusterWriter, type ClusterWriter } from "./apply/cluster-writer.js";
import { interruptedAttaches } from "./apply/interrupted-attach.js";
import type { ClusterCache } from "./cluster-cache.js";
import { decide, type AddressReadResult, type DecideInput, type WriteFailure } from "./decide/index.js";
import { nodeStanding } from "./decide/eligibility.js";
import type { FailureLog } from "./failure-log.js";
import { claimHoldings, gather } from "./gather/gather.js";
import { readAddresses } from "./gather/read-addresses.js";
import { nodeView } from "./gather/views.js";
import { WorkloadPresence } from "./gather/workload-presence.js";
import { instrumented } from "./instrumented-cloud.js";
import type { ControllerMetrics } from "./metrics.js";
import { MissingInstances } from "./missing-instances.js";
import type { NodeClaims } from "./node-claims.js";
import { Reporter, type ReconcileStatus } from "./report/report.js";
import { RetryPolicy } from "./retry-policy.js";

/** After acting, look again soon: confirm the cloud state and finish what depended on it. */
const CONFIRM_AFTER_MS = 1_000;

export interface ReconcilerOptions {
  kubeConfig: KubeConfig;
  cache: ClusterCache;
  cloudFor: (provider: CloudProviderName) => CloudProvider | undefined;
  recorder: EventRecorder;
  metrics: ControllerMetrics;
  claims: NodeClaims;
  logger: Logger;
  failures: FailureLog;
  /** The write fence of this replica's leadership term: every write to the cloud and the cluster passes it. */
  fence: () => WriteFence;
  dryRun: boolean;
  now?: () => number;
}

/** An invalid spec is neither observed nor acted on: it reads as no addresses. */
const NOTHING_READ: AddressReadResult = { ok: true, addresses: new Map() };

/**
 * reconcile(name) = gather (caches + one batched cloud read) → sync this allocation's node claims → decide (pure)
 * → apply → report; plus the finalizer of deletionPolicy Release and the retry decision.
 */
export class Reconciler {
  private readonly cluster: ClusterWriter;
  private readonly reporter: Reporter;
  private readonly now: () => number;

  private readonly retry: RetryPolicy<FailureDetail>;
  private readonly missing: MissingInstances;
  private readonly workloads: WorkloadPresence;
  /** The generation each allocation was last reconciled at: its retry state belongs to that spec. */
  private readonly generations = new Map<string, number>();

  constructor(private readonly options: ReconcilerOptions) {
    this.cluster = new KubeClusterWriter(options.kubeConfig);
    this.reporter = new Reporter(options.metrics);
    this.now = options.now ?? Date.now;
    this.retry = new RetryPolicy(this.now);
    this.missing = new MissingInstances(this.now);
    this.workloads = new WorkloadPresence(options.kubeConfig, this.now);
  }

  async reconcile(name: string): Promise<HandlerResult> {
    const allocation = this.options.cache.allocations.store.get(name);
    if (!allocation) {
      this.reporter.forget(name);
      this.options.claims.releaseAll(name);
      this.retry.forget(retryKeys.of(name));
      this.generations.delete(name);
      return;
    }
    const started = this.now();
    const outcome = { cloudOrApplyFailed: false };
    let status: ReconcileStatus = "controller_error";
    try {
      const result = await this.reconcileAllocation(allocation, outcome);
      status = outcome.cloudOrApplyFailed ? "error" : "success";
      return result;
    } catch (error) {
      if (outcome.cloudOrApplyFailed) status = "error";
      throw error;
    } finally {
      this.reporter.reconciled(name, status, (this.now() - started) / 1000);
    }
  }

  private async reconcileAllocation(
    allocation: NetIPAllocation,
    outcome: { cloudOrApplyFailed: boolean },
  ): Promise<HandlerResult> {
    const { cache, claims, metrics, failures } = this.options;
    const name = allocation.metadata.name;
    const logger = this.options.logger.child({ allocation: name });
    const validation = validateSpec(allocation.spec);
    const spec = validation.valid ? validation.spec : undefined;
    const rawCloud = spec ? this.options.cloudFor(spec.provider) : undefined;
    const cloud = rawCloud && instrumented(rawCloud, metrics);
    // Used only with a valid spec (an invalid one is neither observed nor acted on).
    const scope = scopeOf(spec ?? { provider: "gcp" });
    const deleting = allocation.metadata.deletionTimestamp !== undefined;

    if (spec?.deletionPolicy === "Release" && !deleting) await this.ensureFinalizer(allocation, true);

    const intervalMs = (spec?.reconcileIntervalSeconds ?? 60) * 1000;
    // A spec edit (a fixed region, a new IP list) is tried at once, not after the old spec's backoff.
    const generation = allocation.metadata.generation ?? 0;
    if (this.generations.get(name) !== generation) {
      this.retry.forget(retryKeys.of(name));
      this.generations.set(name, generation);
    }
    // A cloud read waiting for its retry is not sent, whatever woke the allocation; the status already says why.
    const readWait = spec && this.retry.waiting(retryKeys.read(name));
    if (readWait) {
      outcome.cloudOrApplyFailed = true; // still failing: counted as an error, as the pass that failed
      return { requeueAfterMs: readWait.retryAt - this.now() };
    }
    const read = spec
      ? await readAddresses(cloud, scope, spec.reservedIPs, { metrics, failures, logger })
      : NOTHING_READ;
    if (spec) this.recordRead(name, read, intervalMs);
    const gathered = gather(allocation, validation, read, {
      cache,
      claims,
      now: this.now(),
      dryRun: this.options.dryRun,
      supportsAtomicReassociate: cloud?.supportsAtomicReassociate ?? false,
    });
    const workloadMissing =
      spec?.workload !== undefined && (await this.workloads.missing(spec.workload, gathered.pods.length, intervalMs));
    const input = this.withRetryState(name, { ...gathered, ...(workloadMissing ? { workloadMissing } : {}) });
    const { observations } = input;
    // The cloud is the source of truth for the nodes this allocation holds.
    if (observations.ok) claims.sync(name, claimHoldings(observations.addresses, cache));
    const output = decide(input);
    // Every node a recorded move left half done; the applier leaves out those an attach of this pass will serve.
    // The whole read, not only the spec's IPs: an IP removed from the spec mid-move may have left a node bare.
    const interrupted = read.ok
      ? interruptedAttaches(allocation.status?.assignments, read.addresses, input.nodes, new Set(spec?.reservedIPs))
      : [];
    const applier = new Applier({
      cluster: this.cluster,
      ...(cloud ? { cloud } : {}),
      scope,
      recorder: this.options.recorder,
      metrics,
      claims,
      logger,
      failures,
      fence: this.options.fence(),
      retry: this.retry,
      missing: this.missing,
      intervalMs,
      ...(spec ? { targetUnfit: (node: string) => this.targetUnfit(node, spec) } : {}),
    });
    const applied = await applier.apply(allocation, output, interrupted);
    this.retry.dropDue(retryKeys.of(name));
    // What failed in this pass shows in the status it writes, not one pass later: decide again (pure, cheap) with
    // the retry state as it is now, and write that status.
    const after = this.withRetryState(name, input);
    const status = sameRetryState(input, after) ? output.status : decide(after).status;
    await applier.writeStatus(allocation, status);
    // A write waiting for its retry is a failure still under way, not a success.
    const waiting = after.writeFailures !== undefined && after.writeFailures.size > 0;
    outcome.cloudOrApplyFailed = applied.failedActions > 0 || waiting || (!observations.ok && validation.valid);

    this.reporter.allocation(input, { ...output, status });
    if (deleting && output.released && applied.failedActions === 0) await this.ensureFinalizer(allocation, false);
    if (applied.retryable) throw applied.retryable;
    const now = this.now();
    // Confirm soon what was sent; nothing sent (all waiting for retries): the next timer or retry.
    const next = Math.min(
      applied.attempted > 0 || applied.requeueSoon ? output.requeueAfterMs : output.nextCheckMs,
      applied.requeueSoon ? CONFIRM_AFTER_MS : Infinity,
      (this.retry.nextRetryAt(retryKeys.of(name)) ?? Infinity) - now,
    );
    return { requeueAfterMs: Math.max(0, next) };
  }

  /** Why `node`, as the cache shows it now, cannot take an IP of this spec (it may have changed since gather). */
  private targetUnfit(node: string, spec: ValidatedSpec): string | undefined {
    const current = this.options.cache.nodes.store.get(node);
    if (!current) return `node ${node} no longer exists`;
    const standing = nodeStanding(nodeView(current, spec.provider), spec, this.now());
    return standing.kind === "eligible" ? undefined : standing.reason;
  }

  private recordRead(name: string, read: AddressReadResult, intervalMs: number): void {
    const key = retryKeys.read(name);
    if (read.ok) return this.retry.succeeded(key);
    const { kind, message, retryAfterMs } = read.error;
    this.retry.failed(
      key,
      { permanent: isPermanentKind(kind), intervalMs, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
      { action: "read", kind, text: message },
    );
  }

  /** decide's input with the retry policy's failures of this allocation and the instances known missing. */
  private withRetryState(name: string, input: DecideInput): DecideInput {
    const writeFailures = new Map<string, WriteFailure>();
    for (const [ip, { retryAt, detail }] of this.retry.under(retryKeys.ips(name))) {
      if (detail.action === "attach" || detail.action === "detach")
        writeFailures.set(ip, { ...detail, action: detail.action, retryAt });
    }
    const nodes = input.nodes.map((node) => {
      const missing = node.instance.ok && this.missing.has(node.instance.instance.key);
      return missing === (node.instanceMissing === true) ? node : { ...node, instanceMissing: missing };
    });
    return { ...input, nodes, writeFailures };
  }

  /** deletionPolicy Release holds a finalizer until its IPs are released. */
  private async ensureFinalizer(allocation: NetIPAllocation, present: boolean): Promise<void> {
    const finalizers = allocation.metadata.finalizers ?? [];
    if (finalizers.includes(FINALIZER) === present) return;
    const next = present ? [...finalizers, FINALIZER] : finalizers.filter((f) => f !== FINALIZER);
    this.options.fence().check(`${present ? "add" : "remove"} the finalizer of ${allocation.metadata.name}`);
    await this.cluster.patchFinalizers(
      {
        name: allocation.metadata.name,
        finalizers,
        ...(allocation.metadata.resourceVersion ? { resourceVersion: allocation.metadata.resourceVersion } : {}),
      },
      next,
    );
  }
}

/** The retry state decide saw is still the state now: the status it built stands. */
function sameRetryState(before: DecideInput, after: DecideInput): boolean {
  const failures = (input: DecideInput) => JSON.stringify([...(input.writeFailures ?? new Map())]);
  return (
    failures(before) === failures(after) &&
    before.nodes.every((node, i) => (node.instanceMissing === true) === (after.nodes[i]!.instanceMissing === true))
  );
}
