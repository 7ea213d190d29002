import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

/** Faults the campaign injects; "leader" ones hit whichever replica holds the lease when they fire; "mid-move"
 * ones are armed at their time and fire on the next move's cloud request (kill: at the second GCP step; cut and
 * lease overwrite: at the first, whose Operation then lasts the fault's duration). */
export const FAULT_CLASSES = [
  "kill-leader",
  "pause-leader",
  "lease-overwrite",
  "api-stall",
  "api-blackhole",
  "api-cut",
  "api-outage",
  "cloud-5xx",
  "cloud-429",
  "cloud-timeout",
  "stuck-operations",
  "kill-mid-move",
  "cut-mid-move",
  "lease-overwrite-mid-move",
] as const;
export type FaultClass = (typeof FAULT_CLASSES)[number];

/** What keeps the cluster busy meanwhile. */
export const WORK_CLASSES = ["cordon", "uncordon", "drain", "fail-node", "recover-node", "edit-allocation"] as const;
export type WorkClass = (typeof WORK_CLASSES)[number];

export interface ScheduledEvent {
  /** Offset from the start of the chaos phase. */
  atMs: number;
  kind: FaultClass | WorkClass;
  /** For per-replica faults: the replica's index. */
  replica?: number;
  /** For node work: the node's index. */
  node?: number;
  /** How long a fault lasts (pause, stall, black hole, cut, outage, cloud faults). */
  durationMs?: number;
  /** For cloud errors and timeouts: the API operation they hit. */
  operation?: string;
}

/** The GCP API operations the controller uses, which cloud errors and timeouts hit. */
export const GCP_OPERATIONS = [
  "addresses.list",
  "instances.get",
  "instances.deleteAccessConfig",
  "instances.addAccessConfig",
  "zoneOperations.wait",
  "zoneOperations.get",
] as const;
const CLOUD_ERRORS: readonly FaultClass[] = ["cloud-5xx", "cloud-429", "cloud-timeout"];

export interface ScheduleOptions {
  chaosMs: number;
  replicas: number;
  nodes: number;
  /** Mean gap between two faults and between two pieces of work. */
  faultGapMs?: number;
  workGapMs?: number;
}

/** The seeded PRNG every random choice of one seed comes from. */
export class SeededRandom {
  private readonly rng: RandomGenerator;

  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed);
  }

  /** An integer in [from, to]. */
  int(from: number, to: number): number {
    return uniformInt(this.rng, from, to);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
}

/** How long each fault class lasts, drawn per event (ms): up to beyond the lease duration (6 s), so that another
 * replica takes over while the faulty one is in the middle of a move. */
const DURATIONS: Partial<Record<FaultClass, [number, number]>> = {
  "pause-leader": [1_000, 9_000],
  "api-stall": [1_000, 10_000],
  "api-blackhole": [1_000, 10_000],
  "api-cut": [500, 8_000],
  "api-outage": [1_000, 5_000],
  "cloud-5xx": [1_000, 4_000],
  "cloud-429": [1_000, 4_000],
  "cloud-timeout": [2_000, 6_000],
  "stuck-operations": [2_000, 10_000],
  "cut-mid-move": [3_000, 10_000],
  "lease-overwrite-mid-move": [3_000, 10_000],
};

/** The whole schedule of one seed: faults and work interleaved, sorted by time. */
export function schedule(seed: number, options: ScheduleOptions): ScheduledEvent[] {
  const random = new SeededRandom(seed);
  const { chaosMs, replicas, nodes, faultGapMs = 2_000, workGapMs = 1_500 } = options;
  const events: ScheduledEvent[] = [];
  for (let at = random.int(0, faultGapMs); at < chaosMs; at += random.int(faultGapMs / 2, (faultGapMs * 3) / 2)) {
    const kind = random.pick(FAULT_CLASSES);
    const range = DURATIONS[kind];
    events.push({
      atMs: at,
      kind,
      // Index 0 stands for the leader of the moment: half the per-replica faults hit it.
      replica: random.int(0, 1) === 0 ? 0 : random.int(0, replicas - 1),
      ...(range ? { durationMs: random.int(range[0], range[1]) } : {}),
      ...(CLOUD_ERRORS.includes(kind) ? { operation: random.pick(GCP_OPERATIONS) } : {}),
    });
  }
  for (let at = random.int(0, workGapMs); at < chaosMs; at += random.int(workGapMs / 2, (workGapMs * 3) / 2)) {
    events.push({ atMs: at, kind: random.pick(WORK_CLASSES), node: random.int(0, nodes - 1) });
  }
  return events.sort((a, b) => a.atMs - b.atMs);
}
