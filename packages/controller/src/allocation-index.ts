import { selectorMatches } from "./decide/selector.js";

/** What the index needs of one allocation. */
export interface IndexedAllocation {
  name: string;
  nodeSelector: Record<string, string>;
  /** "Kind/namespace/name" of the referenced workload, if any. */
  workloadKey?: string;
}

/**
 * Maps changed objects to the allocations they concern without scanning every allocation: allocations are
 * indexed by one `key=value` pair of their node selector (or kept in a match-all set), and by workload.
 * A node event then costs one lookup per node label, not one selector check per allocation.
 */
export class AllocationIndex {
  private readonly byName = new Map<string, IndexedAllocation>();
  private readonly matchAll = new Set<string>();
  private readonly bySelectorPair = new Map<string, Set<string>>();
  private readonly byWorkload = new Map<string, Set<string>>();

  upsert(allocation: IndexedAllocation): void {
    this.remove(allocation.name);
    this.byName.set(allocation.name, allocation);
    const pair = firstPair(allocation.nodeSelector);
    if (pair === undefined) this.matchAll.add(allocation.name);
    else addTo(this.bySelectorPair, pair, allocation.name);
    if (allocation.workloadKey) addTo(this.byWorkload, allocation.workloadKey, allocation.name);
  }

  remove(name: string): void {
    const existing = this.byName.get(name);
    if (!existing) return;
    this.byName.delete(name);
    this.matchAll.delete(name);
    const pair = firstPair(existing.nodeSelector);
    if (pair !== undefined) removeFrom(this.bySelectorPair, pair, name);
    if (existing.workloadKey) removeFrom(this.byWorkload, existing.workloadKey, name);
  }

  /** Allocations whose node selector matches any of the given label sets (e.g. a node before and after a change). */
  allocationsForNodeLabels(...labelSets: (Record<string, string> | undefined)[]): Set<string> {
    const result = new Set(this.matchAll);
    for (const labels of labelSets) {
      for (const [key, value] of Object.entries(labels ?? {})) {
        for (const name of this.bySelectorPair.get(`${key}=${value}`) ?? []) {
          if (selectorMatches(this.byName.get(name)!.nodeSelector, labels)) result.add(name);
        }
      }
    }
    return result;
  }

  allocationsForWorkload(workloadKey: string): ReadonlySet<string> {
    return this.byWorkload.get(workloadKey) ?? new Set();
  }

  names(): IterableIterator<string> {
    return this.byName.keys();
  }
}

function firstPair(selector: Record<string, string>): string | undefined {
  const key = Object.keys(selector).sort()[0];
  return key === undefined ? undefined : `${key}=${selector[key]}`;
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key) ?? new Set<string>();
  set.add(value);
  map.set(key, set);
}

function removeFrom(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  set?.delete(value);
  if (set?.size === 0) map.delete(key);
}
