import type { World } from "./world.js";

export type FrontName = "gcp" | "aws" | "azure";

/** One API request as the simulator received it, with the replica whose endpoint it came through. */
export interface RequestRecord {
  /** Arrival time, ms since the epoch (Date.now()): when the caller sent it, give or take loopback latency. */
  at: number;
  /** The replica whose per-replica endpoint was used ("" for the shared endpoint). */
  replica: string;
  front: FrontName;
  operation: string;
  /** Whether the request changes the world (attach, detach, NIC update), as opposed to a read or a poll. */
  write: boolean;
  /** The instance key the request names, if any. */
  target?: string;
  /** The static IP the request names, if any. */
  ip?: string;
  /** HTTP status answered, or "aborted" when the caller went away before the answer. */
  outcome?: number | "aborted";
}

/** A double attach the simulator accepted in permissive mode: `ip` was on `from` when `to` got it too. */
export interface Violation {
  at: number;
  ip: string;
  from: string;
  to: string;
  actor: string;
  /** The replica whose request caused it. */
  replica: string;
}

/**
 * What the simulator saw, for checking invariants from records rather than logs: every request with the replica
 * that sent it, and (in permissive mode) every double attach that a real cloud would have had to refuse.
 */
export class Ledger {
  readonly requests: RequestRecord[] = [];
  readonly violations: Violation[] = [];
  /** Accept a double attach (one IP on two instances) and record it as a violation instead of refusing it. */
  permissive = false;

  record(request: Omit<RequestRecord, "at">): RequestRecord {
    const record = { at: Date.now(), ...request };
    this.requests.push(record);
    return record;
  }

  /** Whether the front should refuse an attach of an IP that another instance holds. */
  refusesDoubleAttach(): boolean {
    return !this.permissive;
  }

  /**
   * Attaches `ip` to `instanceKey` in `world`. In permissive mode an IP held elsewhere is taken over (the world
   * holds one owner per IP) and the double attach is recorded; otherwise the world refuses it as the cloud does.
   */
  attach(
    world: World,
    ip: string,
    instanceKey: string,
    options: { actor: string; replica: string; reassociate?: boolean; replaceStatic?: boolean },
  ): void {
    const { actor, replica, reassociate = false, replaceStatic = false } = options;
    const holder = world.holderOf(ip);
    const double = this.permissive && !reassociate && holder !== undefined && holder.key !== instanceKey;
    if (double) this.violations.push({ at: Date.now(), ip, from: holder.key, to: instanceKey, actor, replica });
    world.attach(ip, instanceKey, { actor, reassociate: reassociate || double, replaceStatic });
  }
}
