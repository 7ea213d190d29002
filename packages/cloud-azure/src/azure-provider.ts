import { NetworkManagementClient, type NetworkInterface, type PublicIPAddress } from "@azure/arm-network";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import {
  CloudError,
  FencedError,
  azureVmKey,
  observationsOf,
  type AddressObservation,
  type AddressScope,
  type CloudProvider,
  type InstanceRef,
  type WriteFence,
  type WriteOptions,
} from "@ipac/cloud";
import { azureError } from "./errors.js";

/** The Azure role actions this adapter uses: the README's custom role grants exactly these. */
export const AZURE_ROLE_ACTIONS = [
  "Microsoft.Network/publicIPAddresses/read",
  "Microsoft.Network/publicIPAddresses/join/action",
  "Microsoft.Network/networkInterfaces/read",
  "Microsoft.Network/networkInterfaces/write",
  "Microsoft.Network/virtualNetworks/subnets/join/action",
] as const;

export interface AzureProviderOptions {
  subscriptionId?: string;
  credential?: TokenCredential;
  /** ARM endpoint for sovereign clouds, private endpoints and tests (default https://management.azure.com). */
  endpoint?: string;
  /** Extra client options, e.g. tlsOptions for a test CA. */
  clientOptions?: Record<string, unknown>;
  /** Poll interval of long-running NIC updates. */
  pollIntervalMs?: number;
  /** Deadline of each list call (all its pages). */
  timeoutMs?: number;
  /** Deadline of a NIC update, polling included (the next reconcile reads the outcome). */
  operationTimeoutMs?: number;
}

const VM_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines\/([^/]+)$/i;
const NIC_ID = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/networkInterfaces\/([^/]+)/i;

/**
 * Public IPs on Azure with @azure/arm-network: a Public IP is attached by setting it on the primary ipConfiguration
 * of the VM's primary NIC (a PUT of the NIC, as a long-running operation) and detached by clearing it. One list of
 * public IPs and one list of NICs per observation. Never replaces a public IP already on the NIC. Every write
 * request the pipeline sends (retries included) passes the call's write fence first, and the LRO wait ends when
 * the fence closes. (Uniform
 * scale-set VMs cannot take an existing public IP: parseProviderID reports such nodes ineligible.)
 */
export class AzureCloudProvider implements CloudProvider {
  readonly name = "azure" as const;
  readonly supportsAtomicReassociate = false;
  readonly client: NetworkManagementClient;
  /** The fence of each write in flight, by the abort signal its requests carry. */
  private readonly fences = new WeakMap<object, WriteFence>();

  constructor(private readonly options: AzureProviderOptions = {}) {
    const subscriptionId = options.subscriptionId ?? process.env.AZURE_SUBSCRIPTION_ID;
    if (!subscriptionId)
      throw new Error("AZURE_SUBSCRIPTION_ID is not set: the Azure adapter needs the subscription of the public IPs");
    const endpoint = options.endpoint ?? process.env.AZURE_RESOURCE_MANAGER_ENDPOINT;
    this.client = new NetworkManagementClient(options.credential ?? new DefaultAzureCredential(), subscriptionId, {
      ...(endpoint ? { endpoint, credentials: { scopes: [`${endpoint.replace(/\/$/, "")}/.default`] } } : {}),
      ...options.clientOptions,
    });
    this.client.pipeline.addPolicy(
      {
        name: "writeFence",
        sendRequest: (request, next) => {
          if (request.method !== "GET") {
            const fence = request.abortSignal && this.fences.get(request.abortSignal);
            // Fail closed: a write whose fence cannot be found is not sent.
            if (!fence) throw new FencedError(`${request.method} ${new URL(request.url).pathname} (no write fence)`);
            fence.check(`${request.method} ${new URL(request.url).pathname}`);
          }
          return next(request);
        },
      },
      { afterPhase: "Retry" },
    );
  }

  async describeAddresses(_scope: AddressScope, ips: readonly string[]): Promise<Map<string, AddressObservation>> {
    const [pips, nics] = await Promise.all([this.publicIPs(), this.nics()]);
    const vmOfNic = new Map(nics.map((nic) => [nic.id?.toLowerCase(), nic.virtualMachine?.id]));
    const byIP = new Map(pips.filter((p) => p.ipAddress).map((p) => [p.ipAddress!, p]));
    return observationsOf(ips, byIP, (ip, pip) => {
      const holder = azureHolder(pip, vmOfNic);
      // Kubernetes zone labels on AKS read "<region>-<n>"; Azure names the zone "<n>".
      const zone = pip.zones?.[0] && pip.location ? `${pip.location}-${pip.zones[0]}` : undefined;
      return { ip, reserved: true, ...(zone ? { zone } : {}), ...(holder ? { holder } : {}) };
    });
  }

  async attach(_scope: AddressScope, ip: string, instance: InstanceRef, { fence }: WriteOptions): Promise<void> {
    const [pip, nic] = await Promise.all([this.publicIP(ip), this.primaryNic(instance)]);
    const config = primaryConfig(nic);
    const current = config.publicIPAddress?.id;
    if (current?.toLowerCase() === pip.id?.toLowerCase()) return; // already there: repeating is a no-op
    if (current) {
      throw new CloudError(
        "Conflict",
        `NIC ${nic.name} already has public IP ${current.split("/").pop()}; not replacing it`,
        {
          provider: "azure",
          operation: "networkInterfaces.createOrUpdate",
        },
      );
    }
    config.publicIPAddress = { id: pip.id! };
    await this.updateNic(nic, fence);
  }

  async detach(_scope: AddressScope, ip: string, instance: InstanceRef, { fence }: WriteOptions): Promise<void> {
    const [pip, nic] = await Promise.all([this.publicIP(ip), this.primaryNic(instance)]);
    const config = primaryConfig(nic);
    if (config.publicIPAddress?.id?.toLowerCase() !== pip.id?.toLowerCase()) return; // not (or no longer) there
    delete config.publicIPAddress;
    await this.updateNic(nic, fence);
  }

  private async publicIP(ip: string): Promise<PublicIPAddress> {
    const pip = (await this.publicIPs()).find((p) => p.ipAddress === ip);
    if (!pip)
      throw new CloudError("NotFound", `no public IP ${ip} in subscription`, {
        provider: "azure",
        operation: "publicIPAddresses.listAll",
      });
    return pip;
  }

  private async primaryNic(instance: InstanceRef): Promise<NetworkInterface> {
    const nics = (await this.nics()).filter((nic) => {
      const vm = VM_ID.exec(nic.virtualMachine?.id ?? "");
      return vm && azureVmKey(vm[1]!, vm[2]!, vm[3]!) === instance.key;
    });
    const nic = nics.find((n) => n.primary) ?? nics[0];
    if (!nic)
      throw new CloudError("NotFound", `no network interface for VM ${instance.name}`, {
        provider: "azure",
        operation: "networkInterfaces.listAll",
      });
    return nic;
  }

  private async updateNic(nic: NetworkInterface, fence: WriteFence): Promise<void> {
    const operation = "networkInterfaces.createOrUpdate";
    const [, resourceGroup, name] = NIC_ID.exec(nic.id ?? "") ?? [];
    const abortSignal = AbortSignal.any([
      AbortSignal.timeout(this.options.operationTimeoutMs ?? 120_000),
      fence.signal,
    ]);
    this.fences.set(abortSignal, fence);
    try {
      await this.client.networkInterfaces.createOrUpdate(resourceGroup!, name!, nic, {
        updateIntervalInMs: this.options.pollIntervalMs ?? 2_000,
        abortSignal,
      });
    } catch (error) {
      if (error instanceof FencedError) throw error;
      if (fence.signal.aborted) throw new FencedError(operation);
      throw azureError(error, operation);
    }
  }

  private async publicIPs(): Promise<PublicIPAddress[]> {
    return this.collect(
      (abortSignal) => this.client.publicIPAddresses.listAll({ abortSignal }),
      "publicIPAddresses.listAll",
    );
  }

  private async nics(): Promise<NetworkInterface[]> {
    return this.collect(
      (abortSignal) => this.client.networkInterfaces.listAll({ abortSignal }),
      "networkInterfaces.listAll",
    );
  }

  private async collect<T>(list: (abortSignal: AbortSignal) => AsyncIterable<T>, operation: string): Promise<T[]> {
    try {
      const items: T[] = [];
      for await (const item of list(AbortSignal.timeout(this.options.timeoutMs ?? 30_000))) items.push(item);
      return items;
    } catch (error) {
      throw azureError(error, operation);
    }
  }
}

function primaryConfig(nic: NetworkInterface) {
  const configs = nic.ipConfigurations ?? [];
  const config = configs.find((c) => c.primary) ?? configs[0];
  if (!config) throw new CloudError("InvalidInput", `NIC ${nic.name} has no ipConfiguration`, { provider: "azure" });
  return config;
}

/**
 * Who holds a public IP: a VM through its NIC (matched to nodes by key), or anything else with an ipConfiguration
 * (a load balancer frontend, a NAT gateway, a NIC of no VM), reported under its resource id so the controller
 * treats it as held outside the cluster.
 */
export function azureHolder(
  pip: PublicIPAddress,
  vmOfNic: ReadonlyMap<string | undefined, string | undefined>,
): AddressObservation["holder"] {
  const configId = pip.ipConfiguration?.id;
  if (!configId) return undefined;
  const nicId = configId.replace(/\/ipConfigurations\/[^/]+$/i, "").toLowerCase();
  const vm = VM_ID.exec(vmOfNic.get(nicId) ?? "");
  if (vm) return { key: azureVmKey(vm[1]!, vm[2]!, vm[3]!), name: vm[3]! };
  const resource = /\/providers\/[^/]+\/[^/]+\/([^/]+)/i.exec(configId)?.[1] ?? configId;
  return { key: `azure-resource:${configId.toLowerCase()}`, name: resource };
}
