import type { CloudProviderName } from "@ipac/api";
import { CloudError, observationsOf, type CloudErrorKind, type CloudResource } from "@ipac/cloud";
import type { AddressObservation, AddressScope, CloudProvider, InstanceRef, WriteOptions } from "@ipac/cloud";
import type { World } from "./world.js";

export type CloudOperation = "describeAddresses" | "attach" | "detach";

interface ScriptedFailure {
  kind: CloudErrorKind;
  remaining: number;
  retryAfterMs?: number;
  resource?: CloudResource;
}

/**
 * A CloudProvider over the in-memory World, for the controller's tests: same contract as the real adapters,
 * with call counting and fault injection (latency, scripted errors, a hook before each write that can
 * simulate a crash mid-move).
 */
export class InMemoryCloudProvider implements CloudProvider {
  readonly supportsAtomicReassociate: boolean;
  readonly calls: Record<CloudOperation, number> = { describeAddresses: 0, attach: 0, detach: 0 };
  /** The IPs each describeAddresses call asked for, in call order. */
  readonly reads: (readonly string[])[] = [];
  latencyMs = 0;
  /** Awaited before every attach/detach; throw from it to simulate a crash before the write. */
  beforeWrite?: (operation: "attach" | "detach", ip: string, instance: InstanceRef) => Promise<void> | void;
  private readonly failures = new Map<CloudOperation, ScriptedFailure>();

  constructor(
    readonly world: World,
    readonly name: CloudProviderName,
    private readonly actor = "controller",
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.supportsAtomicReassociate = name === "aws";
  }

  /** The next `times` calls of `operation` fail with `kind` (about `resource`, when given). */
  failNext(
    operation: CloudOperation,
    kind: CloudErrorKind,
    times = 1,
    retryAfterMs?: number,
    resource?: CloudResource,
  ): void {
    this.failures.set(operation, { kind, remaining: times, retryAfterMs, ...(resource ? { resource } : {}) });
  }

  async describeAddresses(_scope: AddressScope, ips: readonly string[]): Promise<Map<string, AddressObservation>> {
    this.reads.push([...ips]);
    await this.enter("describeAddresses");
    const found = new Map(
      [...this.world.listAddresses()].filter((a) => a.provider === this.name).map((a) => [a.ip, a]),
    );
    return observationsOf(ips, found, (ip, address) => {
      const holder = this.world.holderOf(ip);
      return {
        ip,
        reserved: true,
        ...(address.zone ? { zone: address.zone } : {}),
        ...(holder
          ? { holder: { key: holder.key, name: holder.name, ...(holder.zone ? { zone: holder.zone } : {}) } }
          : {}),
      };
    });
  }

  async attach(
    _scope: AddressScope,
    ip: string,
    instance: InstanceRef,
    options: WriteOptions & { reassociate?: boolean },
  ) {
    await this.enter("attach");
    await this.beforeWrite?.("attach", ip, instance);
    options.fence.check(`attach ${ip}`);
    this.world.attach(ip, instance.key, {
      reassociate: options.reassociate === true && this.supportsAtomicReassociate,
      actor: this.actor,
    });
  }

  async detach(_scope: AddressScope, ip: string, instance: InstanceRef, { fence }: WriteOptions) {
    await this.enter("detach");
    await this.beforeWrite?.("detach", ip, instance);
    fence.check(`detach ${ip}`);
    this.world.detach(ip, instance.key, this.actor);
  }

  private async enter(operation: CloudOperation): Promise<void> {
    this.calls[operation]++;
    if (this.latencyMs > 0) await this.sleep(this.latencyMs);
    const failure = this.failures.get(operation);
    if (failure && failure.remaining > 0) {
      failure.remaining--;
      throw new CloudError(failure.kind, `injected ${failure.kind} on ${operation}`, {
        provider: this.name,
        operation,
        ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
        ...(failure.resource ? { resource: failure.resource } : {}),
      });
    }
  }
}
