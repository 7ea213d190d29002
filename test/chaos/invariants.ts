import type { RequestRecord } from "@ipac/cloud-sim";

/** One version of the Lease as the harness's watch saw it. */
export interface LeaseRecord {
  /** When the harness saw it (ms). */
  seenAt: number;
  holder: string;
  /** spec.renewTime: the writer's clock when it started the write that produced this version (ms). */
  renewTime: number;
  resourceVersion: string;
}

/** One end of a controller process. */
export interface ExitRecord {
  at: number;
  replica: string;
  code: number | null;
  signal: string | null;
  /** The harness sent the signal (SIGKILL fault, SIGTERM at tear-down). */
  byHarness: boolean;
  /** The process logged that it lost leadership before it exited. */
  loggedLostLeadership: boolean;
}

export interface I1Violation {
  write: RequestRecord;
  reason: string;
  /** The Lease record the write leaned on, if any. */
  lease?: LeaseRecord;
  /** Another replica's Lease record that took the lease before the write. */
  takenBy?: LeaseRecord;
}

/**
 * I1: each cloud write by replica R at time t lies inside R's lease: a Lease version written by R with renewTime
 * r <= t < r + renewDeadline (+ tolerance for clock granularity), and no version written by another replica
 * between r and t. A foreign holder's overwrite (not a replica) is not a writer: R may write until r +
 * renewDeadline, when its own clock must have stopped it. `earliest(at)` bounds when a write stamped `at` was
 * really sent (the stamp may lag on a loaded machine); a write is judged by that earliest time.
 */
/** The replica a Lease holder identity belongs to (the controller adds a per-process suffix to POD_NAME). */
export function replicaOf(holder: string, replicas: readonly string[]): string | undefined {
  return replicas.find((r) => holder === r || holder.startsWith(`${r}_`));
}

export function checkLeaseFencing(
  requests: readonly RequestRecord[],
  leases: readonly LeaseRecord[],
  replicas: readonly string[],
  renewDeadlineMs: number,
  toleranceMs: number,
  earliest: (at: number) => number = (at) => at,
): I1Violation[] {
  const violations: I1Violation[] = [];
  const writers = leases.map((l) => ({ lease: l, replica: replicaOf(l.holder, replicas) }));
  for (const write of requests) {
    if (!write.write) continue;
    const sent = earliest(write.at);
    const own = writers
      .filter((w) => w.replica === write.replica && w.lease.renewTime <= write.at + toleranceMs)
      .map((w) => w.lease)
      .reduce<LeaseRecord | undefined>(
        (latest, l) => (!latest || l.renewTime > latest.renewTime ? l : latest),
        undefined,
      );
    if (!own) {
      violations.push({ write, reason: `no Lease version written by ${write.replica || "(unattributed)"} before` });
      continue;
    }
    if (sent >= own.renewTime + renewDeadlineMs + toleranceMs) {
      violations.push({
        write,
        lease: own,
        reason: `sent ${sent - own.renewTime} ms after its last renew (renew deadline ${renewDeadlineMs} ms)`,
      });
      continue;
    }
    const takenBy = writers.find(
      (w) =>
        w.replica !== undefined &&
        w.replica !== write.replica &&
        w.lease.renewTime > own.renewTime &&
        w.lease.renewTime < sent - toleranceMs,
    )?.lease;
    if (takenBy) {
      violations.push({
        write,
        lease: own,
        takenBy,
        reason: `${takenBy.holder} held the lease since ${sent - takenBy.renewTime} ms before`,
      });
    }
  }
  return violations;
}

/** I4: a process may end only by the harness's signal, or with exit code 1 after it logged lost leadership. */
export function checkExits(exits: readonly ExitRecord[]): ExitRecord[] {
  return exits.filter((e) => !e.byHarness && !(e.code === 1 && e.loggedLostLeadership));
}

/** What the cluster and the cloud look like after the faults stopped. */
export interface ConvergenceSnapshot {
  allocations: {
    name: string;
    ips: string[];
    /** Ready, schedulable nodes its selector matches. */
    eligibleNodes: string[];
    /** Text of its status and Events, to find reports of a node left without an external IP. */
    reports: string;
  }[];
  /** IP → node holding it in the cloud. */
  holders: Record<string, string | undefined>;
  /** Nodes labelled ip.ready=true. */
  labelled: string[];
  /** Nodes whose instance has no external IP at all. */
  withoutExternalIP: string[];
}

/**
 * I3 on one snapshot: every IP that has an eligible node is attached to one and that node is labelled
 * ip.ready=true; no label on a node without an IP; no instance without an external IP unless reported.
 */
export function convergenceProblems(snapshot: ConvergenceSnapshot): string[] {
  const problems: string[] = [];
  const holding = new Set(Object.values(snapshot.holders).filter((n): n is string => n !== undefined));
  for (const allocation of snapshot.allocations) {
    const eligible = new Set(allocation.eligibleNodes);
    const attachable = Math.min(allocation.ips.length, eligible.size);
    const attached = allocation.ips.filter((ip) => {
      const node = snapshot.holders[ip];
      return node !== undefined && eligible.has(node);
    });
    if (attached.length < attachable) {
      const missing = allocation.ips.filter((ip) => !attached.includes(ip));
      problems.push(`${allocation.name}: ${missing.join(", ")} not on an eligible node`);
    }
    for (const ip of attached) {
      const node = snapshot.holders[ip]!;
      if (!snapshot.labelled.includes(node))
        problems.push(`${allocation.name}: ${node} holds ${ip} but is not labelled`);
    }
  }
  for (const node of snapshot.labelled) if (!holding.has(node)) problems.push(`${node} labelled but holds no IP`);
  for (const node of snapshot.withoutExternalIP) {
    if (!snapshot.allocations.some((a) => a.reports.includes(node)))
      problems.push(`${node} has no external IP and no allocation reports it`);
  }
  return problems;
}
