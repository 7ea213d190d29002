import {
  FINALIZER,
  GROUP,
  IP_READY_LABEL,
  PAUSED_ANNOTATION,
  PLURAL,
  VERSION,
  validateSpec,
  type CloudProviderName,
  type NetIPAllocation,
} from "@ipac/api";
import {
  scopeOf,
  toCloudError,
  type AddressObservation,
  type AddressScope,
  type CloudProvider,
  type WriteFence,
} from "@ipac/cloud";
import type { EventRecorder, HandlerResult } from "@ipac/runtime";
import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { Applier } from "./apply.js";
import { cloudFailure, cloudFailureText } from "./cloud-failure.js";
import type { ClusterCache } from "./cluster-cache.js";
import { decide, type DecideInput, type DecideOutput, type NodeView, type OtherAllocation } from "./decide/index.js";
import { FailoverClock } from "./failover-clock.js";
import type { FailureLog } from "./failure-log.js";
import { instrumented } from "./instrumented-cloud.js";
import { interruptedAttaches } from "./interrupted-attach.js";
import type { ControllerMetrics } from "./metrics.js";
import type { NodeClaims } from "./node-claims.js";
import { nodeView, podView, toMs } from "./views.js";
import { workloadKey } from "./workload.js";

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

/**
 * netipallocation_reconcile_total's status: `success`; `error` when a cloud call or another write failed or the
 * cloud could not be read (the existing controller's value, which alerts use); `controller_error` when the
 * reconcile itself failed (e.g. the API server refused a write it needs).
 */
type ReconcileStatus = "success" | "error" | "controller_error";

/** reconcile(name) = gather (caches + one batched cloud read) → decide (pure) → apply. */
export class Reconciler {
  private readonly custom: CustomObjectsApi;
  private readonly now: () => number;
  private readonly failover = new FailoverClock();

  constructor(private readonly options: ReconcilerOptions) {
    this.custom = options.kubeConfig.makeApiClient(CustomObjectsApi);
    this.now = options.now ?? Date.now;
  }

  async reconcile(name: string): Promise<HandlerResult> {
    const { cache, metrics } = this.options;
    const allocation = cache.allocations.store.get(name);
    if (!allocation) {
      metrics.forgetAllocation(name);
      this.failover.forget(name);
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
      metrics.reconcileTotal.inc({ crd_name: name, status });
      metrics.reconcileDuration.observe({ crd_name: name }, (this.now() - started) / 1000);
    }
  }

  private async reconcileAllocation(
    allocation: NetIPAllocation,
    outcome: { cloudOrApplyFailed: boolean },
  ): Promise<HandlerResult> {
    const name = allocation.metadata.name;
    const logger = this.options.logger.child({ allocation: name });
    const validation = validateSpec(allocation.spec);
    const provider = validation.valid ? validation.spec.provider : undefined;
    const rawCloud = provider ? this.options.cloudFor(provider) : undefined;
    const cloud = rawCloud && instrumented(rawCloud, this.options.metrics);
    // Used only with a valid spec (an invalid one is neither observed nor acted on).
    const scope = scopeOf(validation.valid ? validation.spec : { provider: "gcp" });
    const deleting = allocation.metadata.deletionTimestamp !== undefined;

    if (validation.valid && validation.spec.deletionPolicy === "Release" && !deleting)
      await this.ensureFinalizer(allocation, true);

    const observed = validation.valid
      ? await this.observe(cloud, scope, validation.spec.reservedIPs, logger)
      : new Map();
    const { observations, otherStaticHolders } = splitObservations(
      observed,
      validation.valid ? validation.spec.reservedIPs : [],
    );
    const input = this.gather(
      allocation,
      validation,
      observations,
      otherStaticHolders,
      cloud?.supportsAtomicReassociate ?? false,
    );
    const output = decide(input);
    const interrupted =
      observations instanceof Map
        ? interruptedAttaches(allocation.status?.assignments, observations, output.actions, input.nodes)
        : [];
    const applied = await new Applier({
      kubeConfig: this.options.kubeConfig,
      ...(cloud ? { cloud } : {}),
      scope,
      recorder: this.options.recorder,
      metrics: this.options.metrics,
      claims: this.options.claims,
      logger,
      failures: this.options.failures,
      fence: this.options.fence(),
    }).apply(allocation, output, interrupted);
    outcome.cloudOrApplyFailed = applied.failedActions > 0 || ("error" in observations && validation.valid);

    this.report(allocation, input, output);
    if (deleting && output.released && applied.failedActions === 0) await this.ensureFinalizer(allocation, false);
    if (applied.retryable) throw applied.retryable;
    if ("error" in observations) return { requeue: true };
    const retryAfter = applied.retryAfterMs ?? (applied.failedActions > 0 ? 1_000 : undefined);
    return { requeueAfterMs: Math.min(output.requeueAfterMs, retryAfter ?? Infinity) };
  }

  private async observe(
    cloud: CloudProvider | undefined,
    scope: AddressScope,
    ips: string[],
    logger: Logger,
  ): Promise<DecideInput["observations"]> {
    if (!cloud) {
      return {
        error: { kind: "InvalidInput", message: `no ${scope.provider} cloud adapter is configured in this controller` },
      };
    }
    try {
      return await cloud.describeAddresses(scope, ips);
    } catch (error) {
      const cloudError = toCloudError(error, { provider: scope.provider, operation: "describeAddresses" });
      this.options.metrics.cloudApiError(scope.provider, "describeAddresses", cloudError.kind);
      const failure = cloudFailure(cloudError);
      const what = `read ${scope.provider} addresses`;
      this.options.failures.warn(
        `${scope.provider}/${scope.region ?? ""}/describeAddresses/${failure.errorClass}`,
        { operation: "describeAddresses", errorClass: failure.errorClass, code: failure.code, err: failure.message },
        `cannot ${what}`,
        logger,
      );
      return { error: { kind: cloudError.kind, message: cloudFailureText(what, failure) } };
    }
  }

  /** Builds decide's input from the caches: only the nodes and pods this allocation concerns. */
  private gather(
    allocation: NetIPAllocation,
    validation: DecideInput["spec"],
    observations: DecideInput["observations"],
    otherStaticHolders: ReadonlySet<string>,
    supportsAtomicReassociate: boolean,
  ): DecideInput {
    const { cache, claims } = this.options;
    const name = allocation.metadata.name;
    const spec = validation.valid ? validation.spec : undefined;
    const provider = spec?.provider ?? "gcp";
    const nodes = new Map<string, NodeView>();
    const addNode = (node: Parameters<typeof nodeView>[0] | undefined) => {
      if (node?.metadata?.name && !nodes.has(node.metadata.name))
        nodes.set(node.metadata.name, nodeView(node, provider));
    };
    if (spec) for (const node of cache.nodesMatching(spec.nodeSelector)) addNode(node);
    if (!("error" in observations)) {
      for (const observation of observations.values() as Iterable<AddressObservation>) {
        if (observation.holder) addNode(cache.nodeByInstance(observation.holder.key));
      }
    }
    for (const assignment of allocation.status?.assignments ?? []) {
      if (assignment.node) addNode(cache.nodes.store.get(assignment.node));
    }

    const workload = spec?.workload;
    const pods = workload
      ? cache.workloadPods(workloadKey(workload.kind, workload.namespace, workload.name)).map(podView)
      : [];

    const others: OtherAllocation[] = [];
    const occupiedByOthers = new Map(claims.claimedByOthers(name));
    for (const other of cache.allocations.store.list()) {
      if (other.metadata.name === name) continue;
      others.push({
        name: other.metadata.name,
        createdAt: toMs(other.metadata.creationTimestamp) ?? 0,
        ips: Array.isArray(other.spec?.reservedIPs) ? other.spec.reservedIPs : [],
      });
      for (const a of other.status?.assignments ?? []) {
        if (a.node && (a.state === "Attached" || a.state === "Attaching") && !occupiedByOthers.has(a.node)) {
          occupiedByOthers.set(a.node, { allocation: other.metadata.name, ip: a.ip });
        }
      }
    }
    if (!("error" in observations)) {
      const holdings = new Map<string, string>();
      for (const observation of observations.values() as Iterable<AddressObservation>) {
        const holder = observation.holder && cache.nodeByInstance(observation.holder.key)?.metadata?.name;
        if (holder) holdings.set(holder, observation.ip);
      }
      claims.sync(name, holdings);
    }

    return {
      now: this.now(),
      allocation: {
        name,
        generation: allocation.metadata.generation ?? 0,
        createdAt: toMs(allocation.metadata.creationTimestamp) ?? 0,
        deleting: allocation.metadata.deletionTimestamp !== undefined,
        paused: allocation.metadata.annotations?.[PAUSED_ANNOTATION] === "true",
        ...(allocation.status ? { previousStatus: allocation.status } : {}),
      },
      spec: validation,
      dryRun: this.options.dryRun,
      supportsAtomicReassociate,
      nodes: [...nodes.values()],
      pods,
      others,
      occupiedByOthers,
      holdingOtherStaticIPs: new Set(
        [...otherStaticHolders].flatMap((key) => cache.nodeByInstance(key)?.metadata?.name ?? []),
      ),
      observations,
    };
  }

  private report(allocation: NetIPAllocation, input: DecideInput, output: DecideOutput) {
    const name = allocation.metadata.name;
    const attachments = new Map<string, string>();
    for (const a of output.status.assignments ?? [])
      if (a.state === "Attached" && a.node) attachments.set(a.ip, a.node);
    const readyNodes = input.nodes.filter(
      (n) => n.labels[IP_READY_LABEL] === "true" && [...attachments.values()].includes(n.name),
    );
    this.options.metrics.reportAllocation(name, {
      healthy: output.status.conditions?.find((c) => c.type === "Ready")?.status === "True",
      reserved: output.status.reservedCount ?? 0,
      attached: output.status.attachedCount ?? 0,
      unattached: output.status.unattachedCount ?? 0,
      eligibleNodes: output.eligibleNodes,
      attachments,
      readyNodes: readyNodes.map((n) => n.name),
    });
    for (const node of input.nodes) this.options.metrics.reportNodeCordoned(node.name, node.unschedulable);
    for (const seconds of this.failover.update(input))
      this.options.metrics.failoverSeconds.observe({ crd_name: name }, seconds);
  }

  /** deletionPolicy Release holds a finalizer until its IPs are released. */
  private async ensureFinalizer(allocation: NetIPAllocation, present: boolean): Promise<void> {
    const finalizers = allocation.metadata.finalizers ?? [];
    if (finalizers.includes(FINALIZER) === present) return;
    const next = present ? [...finalizers, FINALIZER] : finalizers.filter((f) => f !== FINALIZER);
    this.options.fence().check(`${present ? "add" : "remove"} the finalizer of ${allocation.metadata.name}`);
    // A JSON patch with a test on resourceVersion: never overwrite finalizers someone else just changed.
    await this.custom.patchClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      name: allocation.metadata.name,
      body: [
        { op: "test", path: "/metadata/resourceVersion", value: allocation.metadata.resourceVersion },
        { op: finalizers.length === 0 && present ? "add" : "replace", path: "/metadata/finalizers", value: next },
      ],
    });
  }
}

/**
 * The read answers for this allocation's IPs and, where it could, for other static IPs held by instances
 * (another allocation's, one removed from this spec and left in place, one set by hand): those instances are
 * taken, by instance key.
 */
function splitObservations(
  observed: DecideInput["observations"],
  ips: readonly string[],
): { observations: DecideInput["observations"]; otherStaticHolders: Set<string> } {
  const otherStaticHolders = new Set<string>();
  if ("error" in observed) return { observations: observed, otherStaticHolders };
  const wanted = new Set(ips);
  const observations = new Map<string, AddressObservation>();
  for (const [ip, observation] of observed as ReadonlyMap<string, AddressObservation>) {
    if (wanted.has(ip)) observations.set(ip, observation);
    else if (observation.holder) otherStaticHolders.add(observation.holder.key);
  }
  return { observations, otherStaticHolders };
}
