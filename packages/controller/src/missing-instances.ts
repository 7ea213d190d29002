/** How long an instance the cloud said does not exist stays so without asking again. */
export const MISSING_INSTANCE_TTL_MS = 5 * 60_000;

/**
 * Instances the cloud answered NotFound for while their Node object lives on (VM deleted or terminated outside
 * Kubernetes): their nodes are gone for every allocation until the mark expires, when one attempt asks again.
 */
export class MissingInstances {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = MISSING_INSTANCE_TTL_MS,
  ) {}

  /** Marks the instance missing; true when it was not marked already. */
  mark(key: string): boolean {
    const fresh = !this.has(key);
    this.until.set(key, this.now() + this.ttlMs);
    return fresh;
  }

  has(key: string): boolean {
    const until = this.until.get(key);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.until.delete(key);
    return false;
  }
}
