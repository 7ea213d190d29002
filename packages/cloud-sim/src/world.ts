import type { CloudProviderName } from "@ipac/api";
import { CloudError } from "@ipac/cloud";

/** A VM with one primary NIC, which holds at most one public IP. */
export interface WorldInstance {
  key: string;
  provider: CloudProviderName;
  name: string;
  zone?: string;
  account?: string;
  resourceGroup?: string;
  /** The public IP the instance gets when it holds no static one. */
  ephemeralIP?: string;
  terminated?: boolean;
}

/** A reserved static address; zonal ones attach only in their zone. */
export interface WorldAddress {
  ip: string;
  provider: CloudProviderName;
  name?: string;
  region?: string;
  zone?: string;
}

export interface HistoryEntry {
  at: number;
  op: "attach" | "detach" | "terminate";
  ip?: string;
  instance: string;
  /** For an attach that moved the IP atomically: where it was. */
  from?: string;
  actor: string;
}

/**
 * One in-memory world of clouds: instances, static addresses and who holds what, with each cloud's rules
 * (one public IP per NIC; a held address is not attached elsewhere unless reassociating; zonal addresses stay
 * in their zone; terminated instances release their IPs). Shared by the in-memory provider and the simulator.
 */
export class World {
  private readonly instances = new Map<string, WorldInstance>();
  private readonly addresses = new Map<string, WorldAddress>();
  /** ip → instance key, and its mirror instance key → ip: both kept so invariants can be checked. */
  private readonly holders = new Map<string, string>();
  private readonly staticIPs = new Map<string, string>();
  readonly history: HistoryEntry[] = [];

  constructor(private readonly clock: () => number = Date.now) {}

  addInstance(instance: WorldInstance): void {
    this.instances.set(instance.key, { ...instance });
  }

  reserveAddress(address: WorldAddress): void {
    this.addresses.set(address.ip, { ...address });
  }

  listInstances(): IterableIterator<WorldInstance> {
    return this.instances.values();
  }

  listAddresses(): IterableIterator<WorldAddress> {
    return this.addresses.values();
  }

  instance(key: string): WorldInstance | undefined {
    return this.instances.get(key);
  }

  address(ip: string): WorldAddress | undefined {
    return this.addresses.get(ip);
  }

  holderOf(ip: string): WorldInstance | undefined {
    const key = this.holders.get(ip);
    return key === undefined ? undefined : this.instances.get(key);
  }

  /** The public IP an instance shows now: its static IP, else its ephemeral one. */
  publicIPOf(key: string): string | undefined {
    const instance = this.instances.get(key);
    if (!instance || instance.terminated) return undefined;
    return this.staticIPs.get(key) ?? instance.ephemeralIP;
  }

  /**
   * Attaches `ip` to `instanceKey`. An instance holding another static address refuses (GCP, Azure), unless
   * `replaceStatic` (EC2 replaces an instance's Elastic IP silently).
   */
  attach(
    ip: string,
    instanceKey: string,
    options: { reassociate?: boolean; replaceStatic?: boolean; actor?: string } = {},
  ): void {
    const address = this.addresses.get(ip);
    if (!address) throw new CloudError("NotFound", `address ${ip} is not reserved`);
    const instance = this.instances.get(instanceKey);
    if (!instance || instance.terminated) throw new CloudError("NotFound", `instance ${instanceKey} not found`);
    if (address.provider !== instance.provider) {
      throw new CloudError(
        "InvalidInput",
        `address ${ip} (${address.provider}) cannot attach to a ${instance.provider} instance`,
      );
    }
    if (address.zone && instance.zone !== address.zone) {
      throw new CloudError(
        "InvalidInput",
        `zonal address ${ip} (${address.zone}) cannot attach in zone ${instance.zone}`,
      );
    }
    const current = this.holders.get(ip);
    if (current === instanceKey) return;
    if (current !== undefined && !options.reassociate) {
      throw new CloudError("Conflict", `address ${ip} is already associated with ${current}`);
    }
    const existing = this.staticIPs.get(instanceKey);
    if (existing !== undefined && !options.replaceStatic) {
      throw new CloudError("Conflict", `instance ${instanceKey} already holds static address ${existing}`);
    }
    if (existing !== undefined) this.detach(existing, instanceKey, options.actor);
    if (current !== undefined) this.staticIPs.delete(current);
    this.holders.set(ip, instanceKey);
    this.staticIPs.set(instanceKey, ip);
    this.history.push({
      at: this.clock(),
      op: "attach",
      ip,
      instance: instanceKey,
      from: current,
      actor: options.actor ?? "api",
    });
  }

  /** Detaches `ip` from `instanceKey`; a no-op when that instance does not hold it. */
  detach(ip: string, instanceKey: string, actor = "api"): void {
    if (this.holders.get(ip) !== instanceKey) return;
    this.holders.delete(ip);
    this.staticIPs.delete(instanceKey);
    this.history.push({ at: this.clock(), op: "detach", ip, instance: instanceKey, actor });
  }

  terminate(instanceKey: string, actor = "api"): void {
    const instance = this.instances.get(instanceKey);
    if (!instance) return;
    const ip = this.staticIPs.get(instanceKey);
    if (ip !== undefined) this.detach(ip, instanceKey, actor);
    instance.terminated = true;
    this.history.push({ at: this.clock(), op: "terminate", instance: instanceKey, actor });
  }

  /** Safety check: IPs whose two sides disagree or that appear on two instances (must always be empty). */
  ipsOnTwoInstances(): string[] {
    const bad = new Set<string>();
    const seen = new Map<string, string>();
    for (const [instance, ip] of this.staticIPs) {
      if (seen.has(ip) || this.holders.get(ip) !== instance) bad.add(ip);
      seen.set(ip, instance);
    }
    for (const [ip, instance] of this.holders) if (this.staticIPs.get(instance) !== ip) bad.add(ip);
    return [...bad];
  }
}
