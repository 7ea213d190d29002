import {
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DisassociateAddressCommand,
  EC2Client,
  type Address,
  type EC2ClientConfig,
  type Filter,
  type Reservation,
} from "@aws-sdk/client-ec2";
import {
  CloudError,
  FencedError,
  awsInstanceKey,
  observationsOf,
  type AddressObservation,
  type AddressScope,
  type CloudProvider,
  type InstanceRef,
  type WriteFence,
  type WriteOptions,
} from "@ipac/cloud";
import { ec2Error } from "./errors.js";

/** The EC2 calls this adapter makes: the IAM policy in the README grants exactly these. */
export const AWS_IAM_ACTIONS = [
  "ec2:DescribeAddresses",
  "ec2:AssociateAddress",
  "ec2:DisassociateAddress",
  "ec2:DescribeInstances",
] as const;

export interface AwsProviderOptions {
  region?: string;
  /** Overrides for tests or private endpoints; AWS_ENDPOINT_URL_EC2 also works, as in every AWS SDK. */
  client?: EC2ClientConfig;
  /** Per-call timeout. */
  timeoutMs?: number;
}

/**
 * Elastic IPs on the official SDK: one DescribeAddresses per reconcile (the region's Elastic IPs: unknown IPs are
 * simply absent), AssociateAddress by allocation id (AllowReassociation makes a move atomic; an instance that
 * already holds another Elastic IP is refused, because EC2 would replace it silently; an instance with several
 * network interfaces, like an EKS node, is reached through its primary interface), and
 * DisassociateAddress by association id. Writes pass the write fence on every attempt the SDK sends (a middleware
 * after its retry step) and are abandoned when it closes. Credentials come from the SDK's default chain (env, IRSA, EKS Pod
 * Identity, instance profile).
 */
export class AwsCloudProvider implements CloudProvider {
  readonly name = "aws" as const;
  readonly supportsAtomicReassociate = true;
  private readonly clients = new Map<string, EC2Client>();
  private readonly timeoutMs: number;

  constructor(private readonly options: AwsProviderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** One SDK client per region (an allocation's spec.cloud.region; else the SDK's default region). */
  clientFor(region: string | undefined): EC2Client {
    const key = region ?? this.options.region ?? "";
    let client = this.clients.get(key);
    if (!client) {
      const resolved = region ?? this.options.region;
      client = new EC2Client({ ...(resolved ? { region: resolved } : {}), maxAttempts: 2, ...this.options.client });
      this.clients.set(key, client);
    }
    return client;
  }

  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  async describeAddresses(scope: AddressScope, ips: readonly string[]): Promise<Map<string, AddressObservation>> {
    // All of the region's Elastic IPs (an account has few): also those held by nodes but not ours.
    return observationsOf(ips, await this.find(scope, undefined, "DescribeAddresses"), (ip, address) => {
      const holder = awsHolder(address);
      return { ip, reserved: true, ...(holder ? { holder } : {}) };
    });
  }

  async attach(
    scope: AddressScope,
    ip: string,
    instance: InstanceRef,
    options: WriteOptions & { reassociate?: boolean },
  ): Promise<void> {
    // One read of the region's Elastic IPs: the one to attach, and any the instance already holds.
    const found = await this.find(scope, undefined, "AssociateAddress");
    const address = required(found, ip, "AssociateAddress");
    if (address.InstanceId === instance.name) return; // already there: repeating is a no-op
    // EC2 would silently take the instance's current Elastic IP away: refuse, as on the other clouds.
    const other = [...found.values()].find((held) => held.InstanceId === instance.name)?.PublicIp;
    if (other)
      throw new CloudError("Conflict", `instance ${instance.name} holds Elastic IP ${other}; not replacing it`, {
        provider: "aws",
        operation: "AssociateAddress",
      });
    const associate = (target: { InstanceId: string } | { NetworkInterfaceId: string }) =>
      this.send(
        new AssociateAddressCommand({
          AllocationId: address.AllocationId,
          AllowReassociation: options.reassociate === true,
          ...target,
        }),
        "AssociateAddress",
        scope,
        options.fence,
      );
    try {
      await associate({ InstanceId: instance.name });
    } catch (error) {
      if (!hasSeveralInterfaces(error)) throw error;
      // EKS nodes carry the VPC CNI's secondary interfaces: EC2 then wants the primary interface named.
      await associate({ NetworkInterfaceId: await this.primaryInterface(scope, instance) });
    }
  }

  private async primaryInterface(scope: AddressScope, instance: InstanceRef): Promise<string> {
    const result = await this.send<{ Reservations?: Reservation[] }>(
      new DescribeInstancesCommand({ InstanceIds: [instance.name] }),
      "DescribeInstances",
      scope,
    );
    const interfaces = result.Reservations?.[0]?.Instances?.[0]?.NetworkInterfaces ?? [];
    const primary = interfaces.find((eni) => eni.Attachment?.DeviceIndex === 0)?.NetworkInterfaceId;
    if (!primary)
      throw new CloudError("NotFound", `instance ${instance.name} has no primary network interface`, {
        provider: "aws",
        operation: "DescribeInstances",
      });
    return primary;
  }

  async detach(scope: AddressScope, ip: string, instance: InstanceRef, { fence }: WriteOptions): Promise<void> {
    const address = await this.findOne(scope, ip, "DisassociateAddress");
    if (address.InstanceId !== instance.name || !address.AssociationId) return; // not (or no longer) there
    try {
      await this.send(
        new DisassociateAddressCommand({ AssociationId: address.AssociationId }),
        "DisassociateAddress",
        scope,
        fence,
      );
    } catch (error) {
      if ((error as CloudError).kind !== "NotFound") throw error; // someone detached it meanwhile: done
    }
  }

  private async findOne(scope: AddressScope, ip: string, operation: string): Promise<Address> {
    return required(await this.find(scope, { Name: "public-ip", Values: [ip] }, operation), ip, operation);
  }

  /** Elastic IPs matching one DescribeAddresses filter (or all of the region's), by public IP. */
  private async find(
    scope: AddressScope,
    filter: Filter | undefined,
    operation: string,
  ): Promise<Map<string, Address>> {
    const command = new DescribeAddressesCommand(filter ? { Filters: [filter] } : {});
    const result = await this.send<{ Addresses?: Address[] }>(command, operation, scope);
    return new Map((result.Addresses ?? []).map((a) => [a.PublicIp!, a]));
  }

  /** Every call has a deadline; a write passes `fence` on each attempt; failures come out classified. */
  private async send<Output>(
    command: { readonly input: unknown; readonly middlewareStack?: unknown },
    operation: string,
    scope: AddressScope,
    fence?: WriteFence,
  ): Promise<Output> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    if (fence) fenceEachAttempt(command as FenceableCommand, fence, operation);
    try {
      const client = this.clientFor(scope.region);
      const abortSignal = fence ? AbortSignal.any([timeout, fence.signal]) : timeout;
      return (await client.send(command as never, { abortSignal })) as Output;
    } catch (error) {
      if (error instanceof FencedError) throw error;
      if (fence?.signal.aborted) throw new FencedError(operation);
      throw ec2Error(error, operation);
    }
  }
}

interface FenceableCommand {
  middlewareStack: {
    addRelativeTo(
      middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
      options: { relation: "after"; toMiddleware: string; name: string },
    ): void;
  };
}

/** The SDK's retry middleware resends a failed request: the fence is checked below it, before every attempt. */
function fenceEachAttempt(command: FenceableCommand, fence: WriteFence, operation: string): void {
  command.middlewareStack.addRelativeTo(
    (next) => (args) => {
      fence.check(operation);
      return next(args);
    },
    { relation: "after", toMiddleware: "retryMiddleware", name: "writeFence" },
  );
}

/** The Elastic IP `ip` among those a read found, or NotFound. */
function required(found: ReadonlyMap<string, Address>, ip: string, operation: string): Address {
  const address = found.get(ip);
  if (!address)
    throw new CloudError("NotFound", `no Elastic IP ${ip} in this account and region`, { provider: "aws", operation });
  return address;
}

/** EC2 refuses to associate by instance id when the instance has more than one network interface. */
function hasSeveralInterfaces(error: unknown): boolean {
  return error instanceof CloudError && (error.cause as { name?: string } | undefined)?.name === "InvalidInstanceID";
}

/**
 * Who holds an Elastic IP: an instance (matched to nodes by key), or a network interface without an instance
 * (NAT gateway, load balancer, another account's ENI), reported as such so the controller leaves it alone.
 */
export function awsHolder(address: Address): AddressObservation["holder"] {
  if (address.InstanceId) return { key: awsInstanceKey(address.InstanceId), name: address.InstanceId };
  if (!address.AssociationId) return undefined;
  const owner = address.NetworkInterfaceId ?? address.AssociationId;
  return { key: `aws-association://${owner}`, name: owner };
}
