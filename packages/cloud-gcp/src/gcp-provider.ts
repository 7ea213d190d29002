import type { protos } from "@google-cloud/compute";
// The three clients this adapter uses, each from its own module: the package's index also loads every other v1,
// v1beta and v1small client and the 30 MB generated protos.js (~140 MB of resident memory for nothing).
import { AddressesClient } from "@google-cloud/compute/build/src/v1/addresses_client.js";
import { InstancesClient } from "@google-cloud/compute/build/src/v1/instances_client.js";
import { ZoneOperationsClient } from "@google-cloud/compute/build/src/v1/zone_operations_client.js";
import {
  CloudError,
  FencedError,
  fencedWrite,
  gceInstanceKey,
  observationsOf,
  type AddressObservation,
  type AddressScope,
  type CloudProvider,
  type InstanceRef,
  type WriteFence,
  type WriteOptions,
  untilFenceCloses,
} from "@ipac/cloud";
import { computeGax } from "./compute-protos.js";
import { gcpError } from "./errors.js";

type IAddress = protos.google.cloud.compute.v1.IAddress;
type IOperation = protos.google.cloud.compute.v1.IOperation;

/** The Compute Engine permissions this adapter uses: the README's IAM role grants exactly these. */
export const GCP_IAM_PERMISSIONS = [
  "compute.addresses.list",
  "compute.addresses.use",
  "compute.instances.get",
  "compute.instances.addAccessConfig",
  "compute.instances.deleteAccessConfig",
  "compute.subnetworks.useExternalIp",
  "compute.zoneOperations.get",
] as const;

export interface GcpProviderOptions {
  /** Project of the reserved addresses; default GOOGLE_CLOUD_PROJECT, else the credentials' project. */
  project?: string;
  /** Client options for tests and private endpoints: apiEndpoint, port, protocol, authClient. */
  clientOptions?: ConstructorParameters<typeof InstancesClient>[0];
  timeoutMs?: number;
  /** How long to wait for a zonal Operation before giving up (the next reconcile reads the outcome). */
  operationTimeoutMs?: number;
  /** Told when work done off a move's critical path (giving a node its ephemeral IP back) fails. */
  onBackgroundError?: (error: CloudError | FencedError, what: string) => void;
}

const SELF_LINK = /\/projects\/([^/]+)\/zones\/([^/]+)\/instances\/([^/]+)$/;
const ACCESS_CONFIG = "external-nat";

/**
 * Static external IPs on Compute Engine with the official client: one addresses.list per reconcile (the region's
 * static addresses, or aggregatedList without a region); attach = delete the NIC's access config (its ephemeral IP)
 * then addAccessConfig with the static natIP, waiting on both zonal Operations; detach = delete it (the IP is free
 * once that Operation is done, so a move goes on at once) and give the node an ephemeral IP back in the background.
 * Refuses to replace an instance's current IP when that IP is itself a static address. Every write request
 * (deleteAccessConfig, addAccessConfig) passes the write fence right before it is sent, and Operation waits are
 * given up when the fence closes; gax never resends these non-idempotent calls itself, so each call is one request.
 */
export class GcpCloudProvider implements CloudProvider {
  readonly name = "gcp" as const;
  readonly supportsAtomicReassociate = false;
  readonly instances: InstancesClient;
  readonly addresses: AddressesClient;
  readonly operations: ZoneOperationsClient;
  private readonly timeoutMs: number;
  private readonly operationTimeoutMs: number;
  /** Ephemeral IPs being given back, by instance key: the next call on that instance waits for its own. */
  private readonly restoring = new Map<string, Promise<void>>();

  constructor(private readonly options: GcpProviderOptions = {}) {
    const clientOptions = options.clientOptions ?? {};
    const gax = computeGax(["Instances", "Addresses", "ZoneOperations"]) as ConstructorParameters<
      typeof InstancesClient
    >[1];
    this.instances = new InstancesClient(clientOptions, gax);
    this.addresses = new AddressesClient(clientOptions, gax);
    this.operations = new ZoneOperationsClient(clientOptions, gax);
    // Each client loads its API description on first use (~0.5 s of CPU): load all three now, not during a move.
    // A failure here resurfaces, classified, on the first real call.
    for (const client of [this.instances, this.addresses, this.operations]) void client.initialize().catch(() => {});
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.operationTimeoutMs = options.operationTimeoutMs ?? 120_000;
  }

  /** Resolves once the work started in the background (ephemeral IPs given back) has finished. */
  async settled(): Promise<void> {
    await Promise.all(this.restoring.values());
  }

  async close(): Promise<void> {
    await this.settled();
    await Promise.all([this.instances.close(), this.addresses.close(), this.operations.close()]);
  }

  async describeAddresses(scope: AddressScope, ips: readonly string[]): Promise<Map<string, AddressObservation>> {
    return observationsOf(ips, await this.staticAddresses(scope.region), (ip, address) => {
      const holder = gcpHolder(address);
      return { ip, reserved: true, ...(holder ? { holder } : {}) };
    });
  }

  async attach(_scope: AddressScope, ip: string, instance: InstanceRef, { fence }: WriteOptions): Promise<void> {
    const where = this.where(instance);
    await this.restoring.get(instance.key);
    const region = regionOf(where.zone);
    const [current, statics] = await Promise.all([this.currentAccessConfig(where), this.staticAddresses(region)]);
    if (current?.natIP === ip) return; // already there: repeating is a no-op
    // Every refusal comes before the node's ephemeral IP is deleted, so a refused attach costs the node nothing.
    const refuse = (message: string) =>
      new CloudError("Conflict", message, { provider: "gcp", operation: "instances.addAccessConfig" });
    const address = statics.get(ip);
    if (!address)
      throw new CloudError("NotFound", `no static address ${ip} in region ${region} (the region of ${instance.name})`, {
        provider: "gcp",
        operation: "instances.addAccessConfig",
        resource: "address",
      });
    const user = gcpHolder(address);
    if (user) throw refuse(`static address ${ip} is in use by ${user.name}`);
    if (current?.natIP && statics.has(current.natIP))
      throw refuse(`instance ${instance.name} holds static address ${current.natIP}; not replacing it`);
    if (current) await this.deleteAccessConfig(where, current.name ?? ACCESS_CONFIG, fence);
    try {
      await this.addAccessConfig(where, ip, fence);
    } catch (error) {
      // The cloud refused the static IP after the ephemeral one was gone: give that back (while still leader;
      // a lost lease leaves the node to the next leader's repair), and report the refusal.
      if (current && !(error instanceof FencedError))
        await this.addAccessConfig(where, undefined, fence).catch(() => {});
      throw error;
    }
  }

  async detach(_scope: AddressScope, ip: string, instance: InstanceRef, { fence }: WriteOptions): Promise<void> {
    const where = this.where(instance);
    await this.restoring.get(instance.key);
    const current = await this.currentAccessConfig(where);
    if (current?.natIP !== ip) return; // not (or no longer) there
    await this.deleteAccessConfig(where, current.name ?? ACCESS_CONFIG, fence);
    // Give the node an ephemeral IP back, so it keeps its egress, off the critical path of the move. Fenced too:
    // a leader that lost its lease leaves it to the next one.
    const restore = this.addAccessConfig(where, undefined, fence)
      .catch((error: unknown) => {
        const report =
          this.options.onBackgroundError ?? ((e: Error, what: string) => process.emitWarning(`${what}: ${e.message}`));
        report(
          error instanceof FencedError ? error : gcpError(error, "instances.addAccessConfig"),
          `giving ${instance.name} an ephemeral IP back`,
        );
      })
      .finally(() => this.restoring.delete(instance.key));
    this.restoring.set(instance.key, restore);
  }

  async restoreExternalIP(_scope: AddressScope, instance: InstanceRef, { fence }: WriteOptions): Promise<boolean> {
    const where = this.where(instance);
    await this.restoring.get(instance.key);
    if (await this.currentAccessConfig(where)) return false;
    await this.addAccessConfig(where, undefined, fence);
    return true;
  }

  private where(instance: InstanceRef) {
    if (!instance.account || !instance.zone)
      throw new CloudError("InvalidInput", `instance ${instance.key} has no project or zone`);
    return { project: instance.account, zone: instance.zone, instance: instance.name };
  }

  private async currentAccessConfig(where: { project: string; zone: string; instance: string }) {
    const [vm] = await this.call("instances.get", () => this.instances.get(where, { timeout: this.timeoutMs }));
    return vm.networkInterfaces?.[0]?.accessConfigs?.[0];
  }

  private async deleteAccessConfig(
    where: { project: string; zone: string; instance: string },
    accessConfig: string,
    fence: WriteFence,
  ) {
    const operation = "instances.deleteAccessConfig";
    const response = await this.call(operation, () =>
      fencedWrite(fence, operation, () =>
        this.instances.deleteAccessConfig(
          { ...where, accessConfig, networkInterface: "nic0" },
          { timeout: this.timeoutMs },
        ),
      ),
    );
    await this.waitFor(where, operationOf(response), operation, fence);
  }

  private async addAccessConfig(
    where: { project: string; zone: string; instance: string },
    natIP: string | undefined,
    fence: WriteFence,
  ) {
    const operation = "instances.addAccessConfig";
    const accessConfigResource = { name: ACCESS_CONFIG, type: "ONE_TO_ONE_NAT", ...(natIP ? { natIP } : {}) };
    const response = await this.call(operation, () =>
      fencedWrite(fence, operation, () =>
        this.instances.addAccessConfig(
          { ...where, networkInterface: "nic0", accessConfigResource },
          { timeout: this.timeoutMs },
        ),
      ),
    );
    await this.waitFor(where, operationOf(response), operation, fence);
  }

  /** Waits on a zonal Operation (given up when the fence closes); a DONE operation can still carry an error. */
  private async waitFor(
    where: { project: string; zone: string },
    operation: IOperation | undefined,
    label: string,
    fence: WriteFence,
  ) {
    let current = operation;
    const deadline = Date.now() + this.operationTimeoutMs;
    while (current?.status !== "DONE") {
      if (!current?.name)
        throw new CloudError("Transient", `${label}: no operation returned`, { provider: "gcp", operation: label });
      if (Date.now() > deadline)
        throw new CloudError("Transient", `${label}: operation ${current.name} still ${current.status}`, {
          provider: "gcp",
          operation: label,
        });
      const name = current.name;
      [current] = await this.call("zoneOperations.wait", () =>
        untilFenceCloses(
          fence,
          label,
          this.operations.wait(
            { project: where.project, zone: where.zone, operation: name },
            { timeout: this.timeoutMs },
          ),
        ),
      );
    }
    const failure = current.error?.errors?.[0];
    if (failure)
      throw gcpError(Object.assign(new Error(`${label}: ${failure.code}: ${failure.message}`), { code: 400 }), label);
  }

  private async staticAddresses(region: string | undefined): Promise<Map<string, IAddress>> {
    const project = await this.project();
    const addresses: IAddress[] = [];
    if (region) {
      const [list] = await this.call("addresses.list", () =>
        this.addresses.list({ project, region }, { timeout: this.timeoutMs, autoPaginate: true }),
      );
      addresses.push(...list);
    } else {
      // The iterator pages by itself; gax warns unless autoPaginate is explicitly off.
      const pages = this.addresses.aggregatedListAsync({ project }, { timeout: this.timeoutMs, autoPaginate: false });
      for await (const [, scoped] of pages) {
        addresses.push(...(scoped.addresses ?? []));
      }
    }
    return new Map(addresses.filter((a) => a.address).map((a) => [a.address!, a]));
  }

  private async project(): Promise<string> {
    return this.options.project ?? process.env.GOOGLE_CLOUD_PROJECT ?? (await this.addresses.getProjectId());
  }

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof FencedError) throw error;
      throw gcpError(error, operation);
    }
  }
}

/**
 * Who uses a static address: an instance (matched to nodes by key), or another resource such as a forwarding
 * rule, reported under its own link so the controller treats it as held outside the cluster and leaves it alone.
 */
export function gcpHolder(address: IAddress): AddressObservation["holder"] {
  const user = address.users?.[0];
  if (!user) return undefined;
  const instance = SELF_LINK.exec(user);
  if (instance)
    return {
      key: gceInstanceKey(instance[1]!, instance[2]!, instance[3]!),
      name: instance[3]!,
      zone: instance[2]!,
      account: instance[1]!,
    };
  return { key: user, name: user.split("/").slice(-2).join("/") };
}

function operationOf(response: unknown): IOperation | undefined {
  const [lro, raw] = response as [{ latestResponse?: IOperation; name?: string } | undefined, IOperation | undefined];
  return lro?.latestResponse ?? raw ?? (lro as IOperation | undefined);
}

function regionOf(zone: string): string {
  return zone.replace(/-[a-z]$/, "");
}
