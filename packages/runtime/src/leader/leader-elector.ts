import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from "@kubernetes/client-node";
import { statusCode } from "../api-errors.js";
import { InterruptibleSleep } from "../interruptible-sleep.js";
import { realClock, type Clock } from "../workqueue/clock.js";
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
  /** Wall-clock time (Lease times are wall-clock MicroTimes) and timers; injectable for tests. */
  clock?: Clock;
  /** Failed Lease calls (a 409 on renew is a lost race, not an error, and is not reported). */
  onError?: (error: unknown, operation: "read" | "create" | "renew" | "release") => void;
  /** The Lease API; defaults to coordination.k8s.io/v1 through kubeConfig. */
  leases?: LeaseClient;
}

/** The three Lease calls leader election makes. */
export interface LeaseClient {
  read(namespace: string, name: string): Promise<V1Lease>;
  create(namespace: string, lease: V1Lease): Promise<V1Lease>;
  replace(namespace: string, name: string, lease: V1Lease): Promise<V1Lease>;
}

const wallClock: Clock = { ...realClock, now: () => Date.now() };

function apiLeases(kubeConfig: KubeConfig): LeaseClient {
  const api = kubeConfig.makeApiClient(CoordinationV1Api);
  return {
    read: (namespace, name) => api.readNamespacedLease({ namespace, name }),
    create: (namespace, body) => api.createNamespacedLease({ namespace, body }),
    replace: (namespace, name, body) => api.replaceNamespacedLease({ namespace, name, body }),
  };
}

export interface LeaderCallbacks {
  /** Called at most once per elector: when leadership is acquired; `signal` aborts the moment it is lost. */
  onStartedLeading(signal: AbortSignal): void;
  onStoppedLeading(): void;
  onNewLeader?(identity: string): void;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, a port of client-go's leaderelection: acquire or renew every
 * retry period with optimistic concurrency (resourceVersion), expiry judged on locally observed time, and a
 * leader that cannot renew within the renew deadline steps down before anyone else may take over. As client-go's
 * Run, an elector leads at most once: after stepping down it never leads again (a renew still in flight then is
 * ignored) and run() returns; the process exits and starts afresh as a standby.
 */
export class LeaderElector {
  private readonly leases: LeaseClient;
  private readonly clock: Clock;
  private readonly durationSeconds: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private observed?: LeaseRecord;
  private observedAt = 0;
  private lastRenewAt = -Infinity;
  private leading = false;
  /** Led once and stepped down: this elector never leads again. */
  private ended = false;
  private stopped = false;
  private readonly sleeper: InterruptibleSleep;
  private abort?: AbortController;
  /** Steps down on time even while an API call hangs. */
  private watchdog?: unknown;

  constructor(private readonly options: LeaderElectorOptions) {
    this.leases = options.leases ?? apiLeases(options.kubeConfig);
    this.clock = options.clock ?? wallClock;
    this.sleeper = new InterruptibleSleep(this.clock);
    this.durationSeconds = options.leaseDurationSeconds;
    this.renewDeadlineMs = (options.renewDeadlineSeconds ?? (options.leaseDurationSeconds * 2) / 3) * 1000;
    this.retryMs = (options.retryPeriodSeconds ?? (options.leaseDurationSeconds * 2) / 15) * 1000;
    if (this.renewDeadlineMs >= this.durationSeconds * 1000) {
      throw new Error("renew deadline must be shorter than the lease duration");
    }
  }

  /**
   * True only while this process holds the lease and renewed it within the renew deadline, by its own clock: the
   * moment a renew was sent (not when it was answered) plus the renew deadline, strictly before anyone else may
   * take the lease (sent time + lease duration). Checked right before every write.
   */
  isLeader(): boolean {
    return this.leading && this.clock.now() - this.lastRenewAt < this.renewDeadlineMs;
  }

  /** Campaigns until it has led and stepped down, or until stop(). */
  async run(callbacks: LeaderCallbacks): Promise<void> {
    let lastLeader: string | undefined;
    while (!this.stopped && !this.ended) {
      const acquired = await this.tryAcquireOrRenew();
      // Stepped down (watchdog) or stopped while that call was in flight: its outcome no longer counts.
      if (this.ended || this.stopped) break;
      const holder = this.observed?.holderIdentity;
      if (holder && holder !== lastLeader) {
        lastLeader = holder;
        callbacks.onNewLeader?.(holder);
      }
      if (acquired && !this.leading) {
        this.leading = true;
        this.abort = new AbortController();
        this.watch(callbacks);
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

  /** Checks every half retry period that the lease is still valid, even while a renew call hangs. */
  private watch(callbacks: LeaderCallbacks): void {
    this.watchdog = this.clock.setTimeout(() => {
      if (!this.leading) return;
      if (this.isLeader()) this.watch(callbacks);
      else this.stepDown(callbacks);
    }, this.retryMs / 2);
  }

  private stepDown(callbacks: LeaderCallbacks): void {
    if (!this.leading) return;
    this.leading = false;
    this.ended = true;
    this.clock.clearTimeout(this.watchdog);
    this.sleeper.wake();
    this.abort?.abort(new Error("leader lease lost"));
    callbacks.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const now = this.clock.now();
    let lease: V1Lease;
    try {
      lease = await this.leases.read(namespace, name);
    } catch (error) {
      if (statusCode(error) !== 404) {
        this.options.onError?.(error, "read");
        return false;
      }
      const record = nextRecord({}, "acquire", identity, this.durationSeconds, now);
      try {
        await this.leases.create(namespace, { metadata: { name, namespace }, spec: toSpec(record) });
      } catch (error) {
        if (statusCode(error) !== 409) this.options.onError?.(error, "create");
        return false;
      }
      return this.renewed(record, now);
    }
    const current = fromSpec(lease);
    if (!sameRecord(this.observed, current)) this.observe(current, now);
    const action = leaseAction(current, this.observedAt, now, identity, this.durationSeconds);
    if (action === "wait") return false;
    const record = nextRecord(current, action, identity, this.durationSeconds, now);
    try {
      await this.leases.replace(namespace, name, {
        metadata: { name, namespace, resourceVersion: lease.metadata?.resourceVersion },
        spec: toSpec(record),
      });
    } catch (error) {
      // 409: someone else wrote first; anything else: try again next period
      if (statusCode(error) !== 409) this.options.onError?.(error, "renew");
      return false;
    }
    return this.renewed(record, now);
  }

  /** A successful write of `record`, sent at `sentAt`; ignored once this elector has stepped down. */
  private renewed(record: LeaseRecord, sentAt: number): boolean {
    if (this.ended) return false;
    this.observe(record, sentAt);
    this.lastRenewAt = sentAt;
    return true;
  }

  /** Hands the lease over: empty holder and a 1 s duration, as client-go does on release. */
  private async release(): Promise<void> {
    const { namespace, name } = this.options;
    try {
      const lease = await this.leases.read(namespace, name);
      if (lease.spec?.holderIdentity !== this.options.identity) return;
      const now = this.clock.now();
      await this.leases.replace(namespace, name, {
        metadata: { name, namespace, resourceVersion: lease.metadata?.resourceVersion },
        spec: toSpec({
          ...fromSpec(lease),
          holderIdentity: "",
          leaseDurationSeconds: 1,
          renewTimeMs: now,
          acquireTimeMs: now,
        }),
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
