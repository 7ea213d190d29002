import { FINALIZER, validateSpec, type CloudProviderName, type NetIPAllocation } from "@ipac/api";
import { scopeOf, type CloudProvider, type WriteFence } from "@ipac/cloud";
import type { EventRecorder, HandlerResult } from "@ipac/runtime";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { Applier } from "./apply/apply.js";
import { KubeClusterWriter, type ClusterWriter } from "./apply/cluster-writer.js";
import { interruptedAttaches } from "./apply/interrupted-attach.js";
import type { ClusterCache } from "./cluster-cache.js";
import { decide, type AddressReadResult } from "./decide/index.js";
import type { FailureLog } from "./failure-log.js";
import { claimHoldings, gather } from "./gather/gather.js";
import { readAddresses } from "./gather/read-addresses.js";
import { instrumented } from "./instrumented-cloud.js";
import type { ControllerMetrics } from "./metrics.js";
import type { NodeClaims } from "./node-claims.js";
import { Reporter, type ReconcileStatus } from "./report/report.js";

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

  constructor(private readonly options: ReconcilerOptions) {
    this.cluster = new KubeClusterWriter(options.kubeConfig);
    this.reporter = new Reporter(options.metrics);
    this.now = options.now ?? Date.now;
  }

  async reconcile(name: string): Promise<HandlerResult> {
    const allocation = this.options.cache.allocations.store.get(name);
    if (!allocation) {
      this.reporter.forget(name);
      this.options.claims.releaseAll(name);
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

    const read = spec
      ? await readAddresses(cloud, scope, spec.reservedIPs, { metrics, failures, logger })
      : NOTHING_READ;
    const input = gather(allocation, validation, read, {
      cache,
      claims,
      now: this.now(),
      dryRun: this.options.dryRun,
      supportsAtomicReassociate: cloud?.supportsAtomicReassociate ?? false,
    });
    const { observations } = input;
    // The cloud is the source of truth for the nodes this allocation holds.
    if (observations.ok) claims.sync(name, claimHoldings(observations.addresses, cache));
    const output = decide(input);
    const interrupted = observations.ok
      ? interruptedAttaches(allocation.status?.assignments, observations.addresses, output.actions, input.nodes)
      : [];
    const applied = await new Applier({
      cluster: this.cluster,
      ...(cloud ? { cloud } : {}),
      scope,
      recorder: this.options.recorder,
      metrics,
      claims,
      logger,
      failures,
      fence: this.options.fence(),
    }).apply(allocation, output, interrupted);
    outcome.cloudOrApplyFailed = applied.failedActions > 0 || (!observations.ok && validation.valid);

    this.reporter.allocation(input, output);
    if (deleting && output.released && applied.failedActions === 0) await this.ensureFinalizer(allocation, false);
    if (applied.retryable) throw applied.retryable;
    if (!observations.ok) return { requeue: true };
    const retryAfter = applied.retryAfterMs ?? (applied.failedActions > 0 ? 1_000 : undefined);
    return { requeueAfterMs: Math.min(output.requeueAfterMs, retryAfter ?? Infinity) };
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
