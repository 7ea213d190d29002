import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from "@kubernetes/client-node";
import { statusCode } from "../api-errors.js";
import { InterruptibleSleep } from "../interruptible-sleep.js";
import { leaseAction, nextRecord, sameRecord, type LeaseRecord } from "./lease-decision.js";

export interface LeaderElectorOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  name: string;
  identity: string;
  /** How long a lease is valid without renewal (LEASE_DURATION). */
  leaseDurationSeconds: number;
  /** A leader that could not renew for this long steps down; must be below the lease duration. Default 2/3 of it. */
  renewDeadlineSeconds?: number;
  /** Time between attempts to acquire or renew. Default 2/15 of the lease duration (client-go's 15/10/2). */
  retryPeriodSeconds?: number;
  /** On stop(), hand the lease over at once instead of letting it expire. */
  releaseOnCancel?: boolean;
  now?: () => number;
  /** Failed Lease calls (a 409 on renew is a lost race, not an error, and is not reported). */
  onError?: (error: unknown, operation: "read" | "create" | "renew" | "release") => void;
}

export interface LeaderCallbacks {
  /** Called once leadership is acquired; `signal` aborts the moment it is lost. */
  onStartedLeading(signal: AbortSignal): void;
  onStoppedLeading(): void;
  onNewLeader?(identity: string): void;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, a port of client-go's leaderelection: acquire or renew every
 * retry period with optimistic concurrency (resourceVersion), expiry judged on locally observed time, and a
 * leader that cannot renew within the renew deadline steps down before anyone else may take over.
 */
export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly durationSeconds: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private readonly now: () => number;
  private observed?: LeaseRecord;
  private observedAt = 0;
  private lastRenewAt = -Infinity;
  private leading = false;
  private stopped = false;
  private readonly sleeper = new InterruptibleSleep();
  private abort?: AbortController;
  /** Steps down on time even while an API call hangs. */
  private watchdog?: NodeJS.Timeout;

  constructor(private readonly options: LeaderElectorOptions) {
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.durationSeconds = options.leaseDurationSeconds;
    this.renewDeadlineMs = (options.renewDeadlineSeconds ?? (options.leaseDurationSeconds * 2) / 3) * 1000;
    this.retryMs = (options.retryPeriodSeconds ?? (options.leaseDurationSeconds * 2) / 15) * 1000;
    this.now = options.now ?? Date.now;
    if (this.renewDeadlineMs >= this.durationSeconds * 1000) {
      throw new Error("renew deadline must be shorter than the lease duration");
    }
  }

  /** True only while this process holds the lease and renewed it within the renew deadline. */
  isLeader(): boolean {
    return this.leading && this.now() - this.lastRenewAt < this.renewDeadlineMs;
  }

  /** Campaigns until stop(); resolves after stop(). Leadership lost is reported and the campaign goes on. */
  async run(callbacks: LeaderCallbacks): Promise<void> {
    let lastLeader: string | undefined;
    while (!this.stopped) {
      const acquired = await this.tryAcquireOrRenew();
      const holder = this.observed?.holderIdentity;
      if (holder && holder !== lastLeader) {
        lastLeader = holder;
        callbacks.onNewLeader?.(holder);
      }
      if (acquired && !this.leading) {
        this.leading = true;
        this.abort = new AbortController();
        this.watchdog = setInterval(() => {
          if (this.leading && !this.isLeader()) this.stepDown(callbacks);
        }, this.retryMs / 2);
        this.watchdog.unref();
        callbacks.onStartedLeading(this.abort.signal);
      } else if (this.leading && (!this.isLeader() || holder !== this.options.identity)) {
        this.stepDown(callbacks);
      }
      await this.sleeper.sleep(this.leading ? this.retryMs : this.jittered(this.retryMs));
    }
    if (this.leading) {
      if (this.options.releaseOnCancel) await this.release();
      this.stepDown(callbacks);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.sleeper.wake();
  }

  private stepDown(callbacks: LeaderCallbacks): void {
    if (!this.leading) return;
    this.leading = false;
    clearInterval(this.watchdog);
    this.abort?.abort(new Error("leader lease lost"));
    callbacks.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const now = this.now();
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (statusCode(error) !== 404) {
        this.options.onError?.(error, "read");
        return false;
      }
      const record = nextRecord({}, "acquire", identity, this.durationSeconds, now);
      try {
        await this.api.createNamespacedLease({
          namespace,
          body: { metadata: { name, namespace }, spec: toSpec(record) },
        });
      } catch (error) {
        if (statusCode(error) !== 409) this.options.onError?.(error, "create");
        return false;
      }
      this.observe(record, now);
      this.lastRenewAt = now;
      return true;
    }
    const current = fromSpec(lease);
    if (!sameRecord(this.observed, current)) this.observe(current, now);
    const action = leaseAction(current, this.observedAt, now, identity, this.durationSeconds);
    if (action === "wait") return false;
    const record = nextRecord(current, action, identity, this.durationSeconds, now);
    try {
      await this.api.replaceNamespacedLease({
        name,
        namespace,
        body: { metadata: { name, namespace, resourceVersion: lease.metadata?.resourceVersion }, spec: toSpec(record) },
      });
    } catch (error) {
      // 409: someone else wrote first; anything else: try again next period
      if (statusCode(error) !== 409) this.options.onError?.(error, "renew");
      return false;
    }
    this.observe(record, now);
    this.lastRenewAt = now;
    return true;
  }

  /** Hands the lease over: empty holder and a 1 s duration, as client-go does on release. */
  private async release(): Promise<void> {
    const { namespace, name } = this.options;
    try {
      const lease = await this.api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== this.options.identity) return;
      const now = this.now();
      await this.api.replaceNamespacedLease({
        name,
        namespace,
        body: {
          metadata: { name, namespace, resourceVersion: lease.metadata?.resourceVersion },
          spec: {
            ...toSpec({
              ...fromSpec(lease),
              holderIdentity: "",
              leaseDurationSeconds: 1,
              renewTimeMs: now,
              acquireTimeMs: now,
            }),
          },
        },
      });
    } catch (error) {
      this.options.onError?.(error, "release"); // the lease then simply expires
    }
  }

  private observe(record: LeaseRecord, at: number): void {
    this.observed = record;
    this.observedAt = at;
  }

  private jittered(ms: number): number {
    return ms * (1 + Math.random() * 0.2);
  }
}

function fromSpec(lease: V1Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  return {
    ...(spec.holderIdentity !== undefined ? { holderIdentity: spec.holderIdentity } : {}),
    ...(spec.leaseDurationSeconds !== undefined ? { leaseDurationSeconds: spec.leaseDurationSeconds } : {}),
    ...(spec.acquireTime ? { acquireTimeMs: new Date(spec.acquireTime).getTime() } : {}),
    ...(spec.renewTime ? { renewTimeMs: new Date(spec.renewTime).getTime() } : {}),
    ...(spec.leaseTransitions !== undefined ? { leaseTransitions: spec.leaseTransitions } : {}),
  };
}

/** MicroTime fields must carry six fractional digits or the apiserver rejects them: client-node's V1MicroTime does. */
function toSpec(record: LeaseRecord): NonNullable<V1Lease["spec"]> {
  return {
    holderIdentity: record.holderIdentity ?? "",
    leaseDurationSeconds: record.leaseDurationSeconds,
    ...(record.acquireTimeMs !== undefined ? { acquireTime: new V1MicroTime(record.acquireTimeMs) } : {}),
    ...(record.renewTimeMs !== undefined ? { renewTime: new V1MicroTime(record.renewTimeMs) } : {}),
    leaseTransitions: record.leaseTransitions ?? 0,
  };
}
