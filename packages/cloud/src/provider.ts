import type { CloudProviderName } from "@ipac/api";
import type { WriteFence } from "./fence.js";

/** A cloud instance (a VM) behind a Kubernetes node, parsed from the node's spec.providerID. */
export interface InstanceRef {
  provider: CloudProviderName;
  /** Canonical, provider-unique key; equal for the same instance however it was reached (providerID or cloud read). */
  key: string;
  /** Human-readable name (GCE instance name, EC2 instance id, Azure VM name). */
  name: string;
  zone?: string;
  /** GCP project, AWS account (if known), Azure subscription. */
  account?: string;
  /** Azure resource group. */
  resourceGroup?: string;
}

/** Where an allocation's addresses live: provider plus the allocation's cloud spec. */
export interface AddressScope {
  provider: CloudProviderName;
  region?: string;
}

/** The scope of an allocation's cloud spec. */
export function scopeOf(cloud: { provider: CloudProviderName; region?: string | undefined }): AddressScope {
  return { provider: cloud.provider, ...(cloud.region ? { region: cloud.region } : {}) };
}

/** What the cloud says about one reserved IP. */
export interface AddressObservation {
  ip: string;
  /** false: no reserved (static) address with this IP exists in the scope. */
  reserved: boolean;
  /**
   * Instance holding the IP now, if any. Its key matches InstanceRef.key of a node's instance; it carries all the
   * adapter needs to detach from it (project, resource group), node or not.
   */
  holder?: Omit<InstanceRef, "provider">;
  /** Zonal IPs (Azure zonal Standard SKU) attach only to instances in this zone. */
  zone?: string;
}

/** Every write carries the fence of the leadership term it is made in. */
export interface WriteOptions {
  fence: WriteFence;
}

/** The cloud, as the controller uses it. Every method is idempotent and safe to repeat after an interruption. */
export interface CloudProvider {
  readonly name: CloudProviderName;
  /** The cloud moves an IP between instances in one atomic call (AWS AllowReassociation); else detach then attach. */
  readonly supportsAtomicReassociate: boolean;
  /**
   * One batched read for all of an allocation's IPs: an entry for each of `ips`, plus, for every other static
   * address the same read returned that some instance holds, an entry too (the controller must not give another
   * IP to an instance that holds a static one: the clouds refuse, or would silently replace it).
   */
  describeAddresses(scope: AddressScope, ips: readonly string[]): Promise<Map<string, AddressObservation>>;
  /**
   * Attaches `ip` to `instance`. Replaces the instance's ephemeral public IP. Must fail with a Conflict CloudError
   * when the IP is held by another instance, unless `options.reassociate` (atomic move where the cloud supports it).
   * Every write request it sends (each step of a multi-step attach included) passes `options.fence` first.
   */
  attach(
    scope: AddressScope,
    ip: string,
    instance: InstanceRef,
    options: WriteOptions & { reassociate?: boolean },
  ): Promise<void>;
  /** Detaches `ip` from `instance`; a no-op when the instance no longer holds it. Fenced like attach. */
  detach(scope: AddressScope, ip: string, instance: InstanceRef, options: WriteOptions): Promise<void>;
  /**
   * Clouds where an attach takes more than one step (GCP: the ephemeral IP is deleted before the static one is
   * added) implement this: gives `instance` an ephemeral external IP if it has none. True if it had none.
   */
  restoreExternalIP?(scope: AddressScope, instance: InstanceRef, options: WriteOptions): Promise<boolean>;
}
