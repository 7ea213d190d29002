import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CloudError, awsInstanceKey } from "@ipac/cloud";
import { type World, type WorldAddress } from "../world.js";
import { Faults } from "../faults.js";
import { closeAll } from "../servers.js";
import { Ledger } from "../ledger.js";
import { document, type XmlNode } from "../xml.js";
import { allocationIdOf, associationIdOf, networkInterfaceIdOf, privateIpOf } from "./ids.js";

const NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/";

class Ec2Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * The EC2 Query API (form-encoded POST, XML answers, XML errors with EC2's codes) over the shared World, for the
 * official AWS SDK pointed at it through AWS_ENDPOINT_URL_EC2. Serves what the controller and its tests use:
 * RunInstances, DescribeInstances, AllocateAddress, DescribeAddresses, AssociateAddress (by instance, or by primary
 * network interface), DisassociateAddress.
 */
export class Ec2Front {
  readonly faults = new Faults();
  private readonly servers: Server[] = [];
  private nextAddress = 1;
  /** Instances with secondary network interfaces (as the VPC CNI gives EKS nodes), by instance id. */
  private readonly secondaryInterfaces = new Map<string, number>();

  constructor(
    private readonly world: World,
    private readonly region = "us-east-1",
    readonly ledger = new Ledger(),
  ) {}

  /** Opens an endpoint; requests through it are recorded as sent by `replica`. */
  async listen(port = 0, host = "127.0.0.1", replica = ""): Promise<string> {
    const server = createServer((request, response) => void this.handle(request, response, replica));
    this.servers.push(server);
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    return `http://${host}:${(server.address() as AddressInfo).port}`;
  }

  /**
   * Attaches a secondary network interface to an instance, as the VPC CNI does on EKS nodes. From then on EC2
   * refuses to associate an Elastic IP by the instance id: the caller must name an interface.
   */
  addSecondaryInterface(instanceId: string): void {
    this.secondaryInterfaces.set(instanceId, (this.secondaryInterfaces.get(instanceId) ?? 0) + 1);
  }

  async close(): Promise<void> {
    await closeAll(this.servers);
  }

  private async handle(request: IncomingMessage, response: ServerResponse, replica: string): Promise<void> {
    const requestId = randomUUID();
    let body = "";
    for await (const chunk of request) body += chunk;
    const params = new URLSearchParams(body);
    const action = params.get("Action") ?? "";
    const instanceId = params.get("InstanceId");
    const record = this.ledger.record({
      replica,
      front: "aws",
      operation: action,
      write: action === "AssociateAddress" || action === "DisassociateAddress",
      ...(instanceId ? { target: awsInstanceKey(instanceId) } : {}),
    });
    response.once("close", () => (record.outcome = response.writableFinished ? response.statusCode : "aborted"));
    try {
      const fault = await this.faults.enter(action);
      if (fault) {
        // EC2 itself sends no Retry-After; a fault asked for one stands for a proxy or gateway that does.
        if (fault.retryAfterSeconds !== undefined) response.setHeader("retry-after", String(fault.retryAfterSeconds));
        throw new Ec2Error(fault.code, `injected ${fault.code}`, fault.status);
      }
      const result = this.dispatch(action, params, replica);
      response.writeHead(200, { "content-type": "text/xml;charset=UTF-8" });
      response.end(document(`${action}Response`, NAMESPACE, { requestId, ...result }));
    } catch (error) {
      const mapped = toEc2Error(error);
      response.writeHead(mapped.status, { "content-type": "text/xml;charset=UTF-8" });
      response.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${mapped.code}</Code><Message>${mapped.message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      );
    }
  }

  private dispatch(action: string, params: URLSearchParams, replica: string): XmlNode {
    switch (action) {
      case "RunInstances":
        return this.runInstances(params);
      case "DescribeInstances":
        return this.describeInstances(list(params, "InstanceId"));
      case "AllocateAddress":
        return this.allocateAddress();
      case "DescribeAddresses":
        return this.describeAddresses(params);
      case "AssociateAddress":
        return this.associateAddress(params, replica);
      case "DisassociateAddress":
        return this.disassociateAddress(params);
      default:
        throw new Ec2Error("InvalidAction", `The action ${action} is not valid for this web service.`);
    }
  }

  private runInstances(params: URLSearchParams): XmlNode {
    const count = Number(params.get("MinCount") ?? 1);
    const zone = params.get("Placement.AvailabilityZone") ?? `${this.region}a`;
    const ids = Array.from({ length: count }, () => `i-${randomBytes(9).toString("hex").slice(0, 17)}`);
    for (const id of ids) {
      this.world.addInstance({
        key: awsInstanceKey(id),
        provider: "aws",
        name: id,
        zone,
        ephemeralIP: this.nextIP("100.64"),
      });
    }
    return {
      reservationId: `r-${randomBytes(9).toString("hex").slice(0, 17)}`,
      ownerId: "123456789012",
      instancesSet: ids.map((id) => this.instanceXml(id)),
    };
  }

  private describeInstances(ids: string[]): XmlNode {
    const instances = [...this.world.listInstances()].filter(
      (i) => i.provider === "aws" && (ids.length === 0 || ids.includes(i.name)),
    );
    for (const id of ids) {
      if (!instances.some((i) => i.name === id))
        throw new Ec2Error("InvalidInstanceID.NotFound", `The instance ID '${id}' does not exist`);
    }
    return {
      reservationSet: instances.map((i) => ({
        reservationId: `r-${i.name.slice(2)}`,
        ownerId: "123456789012",
        instancesSet: [this.instanceXml(i.name)],
      })),
    };
  }

  private instanceXml(id: string): XmlNode {
    const instance = this.world.instance(awsInstanceKey(id))!;
    const running = !instance.terminated;
    return {
      instanceId: id,
      imageId: "ami-12345678",
      instanceState: { code: running ? 16 : 48, name: running ? "running" : "terminated" },
      instanceType: "m5.large",
      placement: { availabilityZone: instance.zone ?? `${this.region}a` },
      privateIpAddress: privateIpOf(id),
      ipAddress: this.world.publicIPOf(instance.key),
      networkInterfaceSet: Array.from({ length: 1 + (this.secondaryInterfaces.get(id) ?? 0) }, (_, index) => ({
        networkInterfaceId: index === 0 ? networkInterfaceIdOf(id) : networkInterfaceIdOf(`${id}/${index}`),
        status: "in-use",
        attachment: {
          attachmentId: `eni-attach-${networkInterfaceIdOf(`${id}/${index}`).slice(4)}`,
          deviceIndex: index,
        },
      })),
    };
  }

  private allocateAddress(): XmlNode {
    const ip = this.nextIP("198.18");
    this.world.reserveAddress({ ip, provider: "aws", region: this.region });
    return { publicIp: ip, domain: "vpc", allocationId: allocationIdOf(ip) };
  }

  private describeAddresses(params: URLSearchParams): XmlNode {
    const byIP = list(params, "PublicIp");
    const byAllocation = list(params, "AllocationId");
    const filters = filterValues(params);
    const addresses = [...this.world.listAddresses()].filter((a) => a.provider === "aws");
    for (const ip of byIP) {
      if (!addresses.some((a) => a.ip === ip))
        throw new Ec2Error("InvalidAddress.NotFound", `Address '${ip}' not found.`);
    }
    for (const id of byAllocation) {
      if (!addresses.some((a) => allocationIdOf(a.ip) === id))
        throw new Ec2Error("InvalidAllocationID.NotFound", `Allocation ID '${id}' not found.`);
    }
    // The filters this front knows; EC2 refuses a filter name it does not know, and so does this front.
    const filterOf: Record<string, (a: WorldAddress) => string | undefined> = {
      "public-ip": (a) => a.ip,
      "allocation-id": (a) => allocationIdOf(a.ip),
      "instance-id": (a) => this.world.holderOf(a.ip)?.name,
    };
    for (const name of filters.keys()) {
      if (!filterOf[name]) throw new Ec2Error("InvalidParameterValue", `The filter '${name}' is invalid`);
    }
    const selected = addresses.filter(
      (a) =>
        (byIP.length === 0 || byIP.includes(a.ip)) &&
        (byAllocation.length === 0 || byAllocation.includes(allocationIdOf(a.ip))) &&
        [...filters].every(([name, values]) => values.includes(filterOf[name]!(a) ?? "")),
    );
    return {
      addressesSet: selected.map((a) => {
        const holder = this.world.holderOf(a.ip);
        return {
          publicIp: a.ip,
          allocationId: allocationIdOf(a.ip),
          domain: "vpc",
          ...(holder
            ? {
                instanceId: holder.name,
                associationId: associationIdOf(a.ip, holder.name),
                networkInterfaceId: networkInterfaceIdOf(holder.name),
                networkInterfaceOwnerId: "123456789012",
                privateIpAddress: privateIpOf(holder.name),
              }
            : {}),
          publicIpv4Pool: "amazon",
          networkBorderGroup: this.region,
        };
      }),
    };
  }

  private associateAddress(params: URLSearchParams, replica: string): XmlNode {
    const allocationId = params.get("AllocationId");
    const interfaceId = params.get("NetworkInterfaceId");
    const instanceId = interfaceId ? this.instanceOfPrimaryInterface(interfaceId) : params.get("InstanceId");
    if (!allocationId || !instanceId)
      throw new Ec2Error("MissingParameter", "AllocationId and InstanceId or NetworkInterfaceId are required");
    if (!interfaceId && this.secondaryInterfaces.has(instanceId))
      throw new Ec2Error(
        "InvalidInstanceID",
        `There are multiple interfaces attached to instance '${instanceId}'. Please specify an interface ID for the operation instead.`,
      );
    const address = [...this.world.listAddresses()].find(
      (a) => a.provider === "aws" && allocationIdOf(a.ip) === allocationId,
    );
    if (!address) throw new Ec2Error("InvalidAllocationID.NotFound", `Allocation ID '${allocationId}' not found.`);
    if (!this.world.instance(awsInstanceKey(instanceId))) {
      throw new Ec2Error("InvalidInstanceID.NotFound", `The instance ID '${instanceId}' does not exist`);
    }
    // As EC2 does: an instance's Elastic IP is silently replaced by the one associated now.
    this.ledger.attach(this.world, address.ip, awsInstanceKey(instanceId), {
      reassociate: params.get("AllowReassociation") === "true",
      replaceStatic: true,
      actor: "aws-api",
      replica,
    });
    return { return: true, associationId: associationIdOf(address.ip, instanceId) };
  }

  /** This front models Elastic IPs on primary interfaces only (what the controller uses). */
  private instanceOfPrimaryInterface(interfaceId: string): string {
    const instance = [...this.world.listInstances()].find(
      (i) => i.provider === "aws" && networkInterfaceIdOf(i.name) === interfaceId,
    );
    if (!instance)
      throw new Ec2Error(
        "InvalidNetworkInterfaceID.NotFound",
        `The networkInterface ID '${interfaceId}' does not exist`,
      );
    return instance.name;
  }

  private disassociateAddress(params: URLSearchParams): XmlNode {
    const associationId = params.get("AssociationId");
    for (const address of this.world.listAddresses()) {
      const holder = this.world.holderOf(address.ip);
      if (holder && associationIdOf(address.ip, holder.name) === associationId) {
        this.world.detach(address.ip, holder.key, "aws-api");
        return { return: true };
      }
    }
    throw new Ec2Error("InvalidAssociationID.NotFound", `The association ID '${associationId}' does not exist`);
  }

  private nextIP(prefix: string): string {
    const n = this.nextAddress++;
    return `${prefix}.${Math.floor(n / 250)}.${(n % 250) + 1}`;
  }
}

function list(params: URLSearchParams, name: string): string[] {
  const values: string[] = [];
  for (let i = 1; params.has(`${name}.${i}`); i++) values.push(params.get(`${name}.${i}`)!);
  return values;
}

function filterValues(params: URLSearchParams): Map<string, string[]> {
  const filters = new Map<string, string[]>();
  for (let i = 1; params.has(`Filter.${i}.Name`); i++)
    filters.set(params.get(`Filter.${i}.Name`)!, list(params, `Filter.${i}.Value`));
  return filters;
}

function toEc2Error(error: unknown): Ec2Error {
  if (error instanceof Ec2Error) return error;
  if (error instanceof CloudError) {
    switch (error.kind) {
      case "Conflict":
        return new Ec2Error("Resource.AlreadyAssociated", error.message);
      case "NotFound":
        return new Ec2Error("InvalidAddress.NotFound", error.message);
      case "InvalidInput":
        return new Ec2Error("InvalidParameterValue", error.message);
      default:
        return new Ec2Error("InternalError", error.message, 500);
    }
  }
  return new Ec2Error("InternalError", error instanceof Error ? error.message : String(error), 500);
}
