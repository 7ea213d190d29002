import { validateSpec, type CloudProviderName, type NetIPAllocation } from "@ipac/api";
import { writeFence, type CloudProvider, type WriteFence } from "@ipac/cloud";
import { EventRecorder, HealthServer, LeaderElector, WorkQueue, type InformerEvent } from "@ipac/runtime";
import type { KubeConfig, V1Node, V1Pod } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { Registry } from "prom-client";
import { merge, type Subscription } from "rxjs";
import { filter, map, mergeMap } from "rxjs/operators";
import { AllocationIndex } from "./allocation-index.js";
import { ClusterCache } from "./cluster-cache.js";
import type { ControllerConfig } from "./config.js";
import { FailureLog, errorFields } from "./failure-log.js";
import { ControllerMetrics } from "./metrics.js";
import { Coalescer } from "./coalescer.js";
import { CloudWarmUp } from "./warm-up.js";
import { NodeClaims } from "./node-claims.js";
import { Reconciler } from "./reconciler.js";
import { workloadKey, workloadOfPod } from "./workload.js";

export interface ControllerOptions {
  kubeConfig: KubeConfig;
  config: ControllerConfig;
  cloudFor: (provider: CloudProviderName) => CloudProvider | undefined;
  logger: Logger;
  /** Identity in the Lease; defaults to the pod name plus a random suffix. */
  identity?: string;
  /** Serve /healthz, /readyz, /metrics (default true). */
  serveHealth?: boolean;
  /** Hand the lease over on stop() (default true). False behaves like a killed process: the lease expires. */
  releaseOnStop?: boolean;
  /** How long stop() waits for in-flight reconciles before giving up the lease anyway (default 30 s). */
  shutdownTimeoutMs?: number;
  /** Lease timings; default derived from config.leaseDurationSeconds. */
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
}

export interface RunningController {
  registry: Registry;
  metrics: ControllerMetrics;
  cache: ClusterCache;
  /** Port of the health/metrics server (0 when not serving). */
  port: number;
  isLeader(): boolean;
  /** Resolves when this instance lost its leadership (it then stopped working; production exits). */
  lostLeadership: Promise<void>;
  /** Clean stop: workers drained, lease released, events flushed. Changes nothing in the cloud or on nodes. */
  stop(): Promise<void>;
}

/**
 * Wires the controller: informers start at once (warm standby on every replica); only the Lease holder runs the
 * work queue. RxJS maps every change to the allocations it concerns, through indexes, not scans.
 */
export async function startController(options: ControllerOptions): Promise<RunningController> {
  const { kubeConfig, config, logger } = options;
  const registry = new Registry();
  const metrics = new ControllerMetrics({
    podName: config.podName,
    version: config.controllerVersion,
    registry,
    ...(config.clusterName ? { clusterName: config.clusterName } : {}),
  });
  const failures = new FailureLog(logger);
  const cache = new ClusterCache(kubeConfig, registry, (error, resource) =>
    failures.warn(`informer/${resource}`, { resource, ...errorFields(error) }, "list/watch failed, retrying"),
  );
  const index = new AllocationIndex();
  const claims = new NodeClaims();
  const queue = new WorkQueue({ name: "netipallocation", registry });
  const identity = options.identity ?? `${config.podName}_${Math.random().toString(36).slice(2, 8)}`;
  const recorder = new EventRecorder({
    kubeConfig,
    component: "ip-address-controller",
    instance: identity,
    registry,
    onError: (error) => logger.warn({ err: String(error) }, "writing an Event failed"),
  });
  const elector = new LeaderElector({
    kubeConfig,
    namespace: config.leaseNamespace,
    name: config.leaseName,
    identity,
    leaseDurationSeconds: config.leaseDurationSeconds,
    releaseOnCancel: options.releaseOnStop ?? true,
    ...(options.renewDeadlineSeconds ? { renewDeadlineSeconds: options.renewDeadlineSeconds } : {}),
    ...(options.retryPeriodSeconds ? { retryPeriodSeconds: options.retryPeriodSeconds } : {}),
    onError: (error, operation) =>
      failures.warn(
        `lease/${operation}`,
        { lease: config.leaseName, operation, ...errorFields(error) },
        "leader election: Lease call failed",
      ),
  });
  // Closed until this replica leads; then open while its lease is valid by its own clock, closed for good at loss.
  let fence: WriteFence = writeFence(() => false, AbortSignal.abort());
  const reconciler = new Reconciler({
    kubeConfig,
    cache,
    cloudFor: options.cloudFor,
    recorder,
    metrics,
    claims,
    logger,
    failures,
    fence: () => fence,
    dryRun: config.dryRun,
  });

  const subscription = subscribeMappers(cache, index, queue);
  const warmUp = new CloudWarmUp(options.cloudFor, logger);
  subscription.add(cache.allocations.events$.subscribe((event) => void warmUp.warm(event.object)));
  subscription.add(
    cache.nodes.events$
      .pipe(filter((event) => event.type === "delete"))
      .subscribe((event) => metrics.forgetNode(event.object.metadata?.name ?? "")),
  );
  cache.start();
  metrics.setHealthy(true);
  metrics.setLeader(false);

  let port = 0;
  const health = new HealthServer(registry);
  health.addLivenessCheck("ping", () => true);
  health.addReadinessCheck("informers-synced", () => cache.synced);
  if (options.serveHealth !== false) port = await health.listen(config.metricsPort);
  void cache.waitForSync().then(() => metrics.setReady(true));

  let stopping = false;
  let requestStop!: () => void;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  let markLost!: () => void;
  const lostLeadership = new Promise<void>((resolve) => (markLost = resolve));
  let workers: Promise<void> | undefined;
  const campaign = (async () => {
    // A replica campaigns only once warm: caches synced and its allocations' cloud SDKs loaded. A first SDK load
    // blocks the event loop for seconds, which would make a leader miss its renewals.
    await Promise.race([
      cache.waitForSync().then(() => warmUp.warmAll(cache.allocations.store.list(), WARM_UP_TIMEOUT_MS)),
      stopRequested,
    ]);
    if (stopping) return;
    logger.info({ identity }, "warm: campaigning for the leader lease");
    await elector.run({
      onStartedLeading: (signal) => {
        fence = writeFence(() => elector.isLeader(), signal);
        logger.info({ identity }, "became leader");
        metrics.setLeader(true);
        workers = (async () => {
          await cache.waitForSync();
          for (const name of index.names()) queue.add(name);
          await queue.run((key) => reconciler.reconcile(key), {
            concurrency: config.maxConcurrentReconciles,
            onError: (key, error) =>
              failures.warn(
                `reconcile/${key}`,
                { allocation: key, ...errorFields(error) },
                "reconcile failed, retrying",
              ),
          });
        })();
      },
      onStoppedLeading: () => {
        metrics.setLeader(false);
        queue.shutdown();
        if (stopping) return;
        logger.warn({ identity }, "lost leadership: stopping all writes");
        // As client-go's Run: the elector never leads again (its run ends); main exits and the restarted pod
        // starts from fresh caches. The fence closed with the lease: no write of this replica leaves any more.
        markLost();
      },
      onNewLeader: (leader) => logger.info({ leader }, "leader observed"),
    });
  })();

  return {
    registry,
    metrics,
    cache,
    port,
    isLeader: () => elector.isLeader(),
    lostLeadership,
    async stop() {
      stopping = true;
      requestStop();
      // In-flight reconciles may finish their current step; a step that hangs does not hold the lease hostage
      // (and once the lease is gone, the write fence refuses every further write).
      const drained = Promise.all([queue.shutdownWithDrain(), workers]);
      await Promise.race([drained, delay(options.shutdownTimeoutMs ?? 30_000)]);
      await elector.stop();
      await campaign;
      subscription.unsubscribe();
      await recorder.flush();
      await cache.stop();
      if (options.serveHealth !== false) await health.close();
    },
  };
}

/** Maps informer events to allocation keys. Node heartbeats change nothing the trimmed cache keeps: skipped. */
function subscribeMappers(cache: ClusterCache, index: AllocationIndex, queue: WorkQueue): Subscription {
  const allocations = cache.allocations.events$.pipe(
    map((event) => {
      const allocation = event.object as NetIPAllocation;
      const name = allocation.metadata.name;
      if (event.type === "delete") index.remove(name);
      else {
        const validation = validateSpec(allocation.spec);
        const workload = validation.valid ? validation.spec.workload : undefined;
        index.upsert({
          name,
          nodeSelector: validation.valid ? validation.spec.nodeSelector : {},
          ...(workload ? { workloadKey: workloadKey(workload.kind, workload.namespace, workload.name) } : {}),
        });
      }
      // Our own status writes come back as updates: they must not wake the allocation (a retry storm otherwise).
      return event.type === "update" && !allocationChanged(event.old as NetIPAllocation, allocation) ? [] : [name];
    }),
  );
  const nodes = cache.nodes.events$.pipe(
    filter((event: InformerEvent<V1Node>) => event.type !== "update" || nodeChanged(event.old!, event.object)),
    map((event) => [...index.allocationsForNodeLabels(event.old?.metadata?.labels, event.object.metadata?.labels)]),
  );
  const pods = cache.pods.events$.pipe(
    filter((event: InformerEvent<V1Pod>) => event.type !== "update" || podChanged(event.old!, event.object)),
    map((event) => {
      const key = workloadOfPod(event.object, (namespace, name) => cache.replicaSetMetadata(namespace, name));
      return key ? [...index.allocationsForWorkload(key)] : [];
    }),
  );
  const coalesce = new Coalescer(queue, COALESCE_MS);
  const subscription = allocations.pipe(mergeMap((names) => names)).subscribe((name) => queue.add(name));
  subscription.add(
    merge(nodes, pods)
      .pipe(mergeMap((names) => names))
      .subscribe((name) => coalesce.add(name)),
  );
  return subscription;
}

/**
 * Node and pod events of one allocation within this window become one reconcile at its end (the first one runs at
 * once): a burst of cordons reconciles each allocation a few times, not once per node.
 */
const COALESCE_MS = 500;

/** What a reconcile reads of the allocation itself: its spec (generation), annotations, finalizers, deletion. */
function allocationChanged(old: NetIPAllocation, next: NetIPAllocation): boolean {
  const of = (a: NetIPAllocation) =>
    JSON.stringify([
      a.metadata.generation,
      a.metadata.annotations ?? {},
      a.metadata.finalizers ?? [],
      a.metadata.deletionTimestamp ?? null,
    ]);
  return of(old) !== of(next);
}

/** How long a starting replica waits for its cloud adapters to answer a first read before campaigning anyway. */
const WARM_UP_TIMEOUT_MS = 30_000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function nodeChanged(old: V1Node, next: V1Node): boolean {
  const strip = (node: V1Node) =>
    JSON.stringify({ ...node, metadata: { ...node.metadata, resourceVersion: undefined } });
  return strip(old) !== strip(next);
}

function podChanged(old: V1Pod, next: V1Pod): boolean {
  return (
    old.spec?.nodeName !== next.spec?.nodeName ||
    old.status?.phase !== next.status?.phase ||
    (old.metadata?.deletionTimestamp === undefined) !== (next.metadata?.deletionTimestamp === undefined)
  );
}
