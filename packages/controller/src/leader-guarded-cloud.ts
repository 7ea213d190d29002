import type { AddressScope, CloudProvider, InstanceRef } from "@ipac/cloud";

/** Thrown instead of a cloud write when this process no longer holds the leader lease. */
export class NotLeaderError extends Error {
  constructor(operation: string) {
    super(`refusing to ${operation}: this controller does not hold the leader lease`);
    this.name = "NotLeaderError";
  }
}

/**
 * Wraps a provider so that every cloud write first checks the lease is still held (DESIGN §3.11):
 * a leader that lost its lease mid-reconcile stops before its next write, not after.
 */
export function leaderGuarded(provider: CloudProvider, isLeader: () => boolean): CloudProvider {
  const guard = (operation: string) => {
    if (!isLeader()) throw new NotLeaderError(operation);
  };
  return {
    name: provider.name,
    supportsAtomicReassociate: provider.supportsAtomicReassociate,
    describeAddresses: (scope, ips) => provider.describeAddresses(scope, ips),
    attach(scope: AddressScope, ip: string, instance: InstanceRef, options?: { reassociate?: boolean }) {
      guard(`attach ${ip}`);
      return provider.attach(scope, ip, instance, options);
    },
    detach(scope: AddressScope, ip: string, instance: InstanceRef) {
      guard(`detach ${ip}`);
      return provider.detach(scope, ip, instance);
    },
  };
}
