/**
 * Which allocation holds (or is attaching) an IP on which node, across all allocations of this process.
 * Reconciles of different allocations run concurrently; without this, two of them could pick the same
 * free node in the same instant and put two IPs on it. JavaScript runs `claim` without interleaving,
 * so check-and-set is atomic. The cloud stays the source of truth: each reconcile re-syncs its own
 * claims to what the cloud showed.
 */
export class NodeClaims {
  private readonly owners = new Map<string, { allocation: string; ip: string }>();
  private readonly byAllocation = new Map<string, Set<string>>();

  /** Claims `node` for `allocation`/`ip`; false when another allocation or IP holds it. */
  claim(node: string, allocation: string, ip: string): boolean {
    const owner = this.owners.get(node);
    if (owner && (owner.allocation !== allocation || owner.ip !== ip)) return false;
    this.owners.set(node, { allocation, ip });
    const nodes = this.byAllocation.get(allocation) ?? new Set<string>();
    nodes.add(node);
    this.byAllocation.set(allocation, nodes);
    return true;
  }

  release(node: string, allocation: string): void {
    if (this.owners.get(node)?.allocation !== allocation) return;
    this.owners.delete(node);
    this.byAllocation.get(allocation)?.delete(node);
  }

  /** Replaces the allocation's claims with the observed node → ip holdings; holdings of others are skipped. */
  sync(allocation: string, holdings: ReadonlyMap<string, string>): void {
    for (const node of [...(this.byAllocation.get(allocation) ?? [])]) {
      if (!holdings.has(node)) this.release(node, allocation);
    }
    for (const [node, ip] of holdings) this.claim(node, allocation, ip);
  }

  releaseAll(allocation: string): void {
    for (const node of [...(this.byAllocation.get(allocation) ?? [])]) this.release(node, allocation);
    this.byAllocation.delete(allocation);
  }

  /** Nodes claimed by allocations other than `allocation`. */
  claimedByOthers(allocation: string): Map<string, { allocation: string; ip: string }> {
    return new Map([...this.owners].filter(([, owner]) => owner.allocation !== allocation));
  }
}
