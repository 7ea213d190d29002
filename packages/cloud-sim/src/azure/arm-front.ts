import { createHash, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CloudError } from "@ipac/cloud";
import { type World, type WorldAddress, type WorldInstance } from "../world.js";
import { generate } from "selfsigned";
import { Faults } from "../faults.js";
import { closeAll } from "../servers.js";
import { Ledger } from "../ledger.js";

class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface AsyncOperation {
  status: "InProgress" | "Succeeded" | "Failed";
  doneAt: number;
  apply: () => void;
  error?: { code: string; message: string };
}

/** Where the simulated public IP resources live. */
export const PUBLIC_IP_RESOURCE_GROUP = "ip-rg";

/**
 * Azure Resource Manager over HTTPS (the Azure SDK refuses bearer tokens over plain HTTP) for @azure/arm-network:
 * public IP addresses and network interfaces (list across the subscription, get, PUT as a long-running operation
 * polled through Azure-AsyncOperation, which completes after its duration whether or not anyone polls it), 429 with
 * Retry-After through fault injection, and the zonal constraint. A VM's primary NIC is `<vm>-nic` with
 * ipConfiguration `ipconfig1`. `ca` is the PEM to trust. `listen(…, replica)` opens one more endpoint (same
 * certificate) whose requests the ledger attributes to that replica.
 */
export class ArmFront {
  readonly faults = new Faults();
  ca = "";
  private key = "";
  private readonly servers: Server[] = [];
  private readonly operations = new Map<string, AsyncOperation>();
  /** Timers that complete running operations on their own clock. */
  private readonly clocks = new Set<NodeJS.Timeout>();

  constructor(
    private readonly world: World,
    readonly ledger = new Ledger(),
  ) {}

  /** Opens an endpoint; requests through it are recorded as sent by `replica`. */
  async listen(port = 0, host = "127.0.0.1", replica = ""): Promise<string> {
    if (!this.ca) await this.generateCertificate(host);
    const server = createServer({ cert: this.ca, key: this.key }, (request, response) => {
      const baseUrl = `https://${host}:${(server.address() as AddressInfo).port}`;
      void this.handle(request, response, replica, baseUrl);
    });
    this.servers.push(server);
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    return `https://${host}:${(server.address() as AddressInfo).port}`;
  }

  private async generateCertificate(host: string): Promise<void> {
    const { cert, private: key } = await generate([{ name: "commonName", value: "127.0.0.1" }], {
      keySize: 2048,
      algorithm: "sha256",
      extensions: [
        { name: "basicConstraints", cA: true },
        {
          name: "subjectAltName",
          altNames: [
            { type: 7, ip: host },
            { type: 2, value: "localhost" },
          ],
        },
      ],
    } as never);
    this.ca = cert;
    this.key = key;
  }

  async close(): Promise<void> {
    for (const timer of this.clocks) clearTimeout(timer);
    this.clocks.clear();
    await closeAll(this.servers);
  }

  private async handle(
    request: IncomingMessage,
    response: ServerResponse,
    replica: string,
    baseUrl: string,
  ): Promise<void> {
    let body = "";
    for await (const chunk of request) body += chunk;
    const url = new URL(request.url ?? "/", baseUrl);
    const method = request.method ?? "GET";
    if (url.pathname === "/msi/token") return this.managedIdentityToken(request, url, response);
    try {
      const operation = this.operationName(method, url.pathname);
      const record = this.ledger.record({
        replica,
        front: "azure",
        operation,
        write: method === "PUT",
        ...(method === "PUT" ? { target: url.pathname.toLowerCase() } : {}),
      });
      response.once("close", () => (record.outcome = response.writableFinished ? response.statusCode : "aborted"));
      const fault = await this.faults.enter(operation);
      if (fault) {
        const headers = fault.status === 429 ? { "retry-after": String(fault.retryAfterSeconds ?? 1) } : {};
        throw Object.assign(new ArmError(fault.status, fault.code, `injected ${fault.code}`), { headers });
      }
      const { status, result, headers } = this.dispatch(method, url.pathname, body ? JSON.parse(body) : undefined, {
        replica,
        baseUrl,
      });
      response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      response.end(JSON.stringify(result));
    } catch (error) {
      const e =
        error instanceof ArmError
          ? error
          : error instanceof CloudError
            ? error.kind === "InvalidInput"
              ? new ArmError(
                  400,
                  "ComputeResourceZoneConstraintDoesNotMatchPublicIPAddressZoneConstraint",
                  error.message,
                )
              : error.kind === "Conflict"
                ? new ArmError(400, "PublicIPAddressInUse", error.message)
                : new ArmError(404, "NotFound", error.message)
            : new ArmError(500, "InternalServerError", String(error));
      const headers = (error as { headers?: Record<string, string> }).headers ?? {};
      response.writeHead(e.status, { "content-type": "application/json; charset=utf-8", ...headers });
      response.end(JSON.stringify({ error: { code: e.code, message: e.message } }));
    }
  }

  /**
   * The managed identity endpoint (App Service protocol: IDENTITY_ENDPOINT + IDENTITY_HEADER), so
   * DefaultAzureCredential in the controller process runs unchanged against the simulator.
   */
  private managedIdentityToken(request: IncomingMessage, url: URL, response: ServerResponse): void {
    if (!request.headers["x-identity-header"]) {
      response.writeHead(401, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: "missing X-IDENTITY-HEADER" }));
      return;
    }
    const expiresOn = Math.floor(Date.now() / 1000) + 3600;
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        access_token: "sim-managed-identity-token",
        expires_on: String(expiresOn),
        resource: url.searchParams.get("resource") ?? "",
        token_type: "Bearer",
        client_id: "00000000-0000-0000-0000-00000000c0de",
      }),
    );
  }

  private operationName(method: string, path: string): string {
    if (path.includes("/operations/")) return "operations.get";
    const kind = path.includes("/publicIPAddresses")
      ? "publicIPAddresses"
      : path.includes("/networkInterfaces")
        ? "networkInterfaces"
        : "other";
    const single = /\/resourceGroups\//i.test(path);
    return `${kind}.${method === "PUT" ? "createOrUpdate" : single ? "get" : "listAll"}`;
  }

  private dispatch(
    method: string,
    path: string,
    body: unknown,
    caller: { replica: string; baseUrl: string },
  ): { status: number; result: unknown; headers?: Record<string, string> } {
    const p = path.split("/").filter(Boolean);
    const subscription = p[1]!;
    if (p[0] !== "subscriptions") throw new ArmError(404, "NotFound", `no route ${path}`);
    if (p[2] === "providers" && p[4] === "publicIPAddresses") {
      return {
        status: 200,
        result: { value: this.addresses(subscription).map((a) => this.publicIp(subscription, a)) },
      };
    }
    if (p[2] === "providers" && p[4] === "networkInterfaces") {
      return { status: 200, result: { value: this.instances(subscription).map((i) => this.nic(i)) } };
    }
    if (p[2] === "providers" && p[3] === "Microsoft.Network" && p[4] === "locations" && p[6] === "operations") {
      const op = this.operation(p[7]!);
      return { status: 200, result: { status: op.status, ...(op.error ? { error: op.error } : {}) } };
    }
    if (p[2] === "resourceGroups" && p[6] === "networkInterfaces" && p[7]) {
      const instance = this.instances(subscription).find(
        (i) => i.resourceGroup?.toLowerCase() === p[3]!.toLowerCase() && `${i.name}-nic` === p[7],
      );
      if (!instance)
        throw new ArmError(
          404,
          "ResourceNotFound",
          `The Resource 'Microsoft.Network/networkInterfaces/${p[7]}' was not found.`,
        );
      if (method === "GET") return { status: 200, result: this.nic(instance) };
      if (method === "PUT") return this.updateNic(subscription, instance, body as NicBody, caller);
    }
    throw new ArmError(404, "NotFound", `no route for ${method} ${path}`);
  }

  private addresses(subscription: string): WorldAddress[] {
    return [...this.world.listAddresses()].filter((a) => a.provider === "azure" && subscription);
  }

  private instances(subscription: string): WorldInstance[] {
    return [...this.world.listInstances()].filter(
      (i) => i.provider === "azure" && i.account === subscription && !i.terminated,
    );
  }

  private publicIpId(subscription: string, address: WorldAddress): string {
    return `/subscriptions/${subscription}/resourceGroups/${PUBLIC_IP_RESOURCE_GROUP}/providers/Microsoft.Network/publicIPAddresses/${address.name ?? `pip-${address.ip.replace(/[.:]/g, "-")}`}`;
  }

  private publicIp(subscription: string, address: WorldAddress) {
    const holder = this.world.holderOf(address.ip);
    const id = this.publicIpId(subscription, address);
    return {
      id,
      name: id.split("/").pop(),
      type: "Microsoft.Network/publicIPAddresses",
      location: address.region ?? "westeurope",
      sku: { name: "Standard" },
      // The world speaks Kubernetes zone labels ("westeurope-1"); ARM names the zone "1".
      ...(address.zone ? { zones: [address.zone.split("-").pop()] } : {}),
      properties: {
        provisioningState: "Succeeded",
        ipAddress: address.ip,
        publicIPAllocationMethod: "Static",
        ...(holder ? { ipConfiguration: { id: `${this.nicId(holder)}/ipConfigurations/ipconfig1` } } : {}),
      },
    };
  }

  private nicId(instance: WorldInstance): string {
    return `/subscriptions/${instance.account}/resourceGroups/${instance.resourceGroup}/providers/Microsoft.Network/networkInterfaces/${instance.name}-nic`;
  }

  private nic(instance: WorldInstance) {
    const held = this.addresses(instance.account!).find((a) => this.world.holderOf(a.ip)?.key === instance.key);
    const id = this.nicId(instance);
    return {
      id,
      name: `${instance.name}-nic`,
      type: "Microsoft.Network/networkInterfaces",
      location: "westeurope",
      // Like ARM's, the etag changes when the NIC does, not on every read.
      etag: `W/"${createHash("sha256")
        .update(`${id}|${held?.ip ?? ""}`)
        .digest("hex")
        .slice(0, 32)}"`,
      properties: {
        provisioningState: "Succeeded",
        primary: true,
        virtualMachine: {
          id: `/subscriptions/${instance.account}/resourceGroups/${instance.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${instance.name}`,
        },
        ipConfigurations: [
          {
            id: `${id}/ipConfigurations/ipconfig1`,
            name: "ipconfig1",
            properties: {
              primary: true,
              privateIPAddress: "10.1.0.4",
              privateIPAllocationMethod: "Dynamic",
              subnet: {
                id: `/subscriptions/${instance.account}/resourceGroups/${instance.resourceGroup}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default`,
              },
              ...(held ? { publicIPAddress: { id: this.publicIpId(instance.account!, held) } } : {}),
            },
          },
        ],
      },
    };
  }

  /** PUT of a NIC: the primary ipConfiguration's publicIPAddress decides what the VM holds; applied when the LRO ends. */
  private updateNic(
    subscription: string,
    instance: WorldInstance,
    body: NicBody,
    { replica, baseUrl }: { replica: string; baseUrl: string },
  ) {
    const wanted = body?.properties?.ipConfigurations?.[0]?.properties?.publicIPAddress?.id?.toLowerCase();
    const target = wanted
      ? this.addresses(subscription).find((a) => this.publicIpId(subscription, a).toLowerCase() === wanted)
      : undefined;
    if (wanted && !target)
      throw new ArmError(400, "InvalidResourceReference", `Resource ${wanted} referenced by the NIC was not found.`);
    const current = this.addresses(subscription).find((a) => this.world.holderOf(a.ip)?.key === instance.key);
    if (target) {
      const holder = this.world.holderOf(target.ip);
      if (holder && holder.key !== instance.key && this.ledger.refusesDoubleAttach()) {
        throw new ArmError(400, "PublicIPAddressInUse", `Public IP ${target.ip} is in use by ${this.nicId(holder)}.`);
      }
      if (target.zone && instance.zone !== target.zone) {
        throw new ArmError(
          400,
          "ComputeResourceZoneConstraintDoesNotMatchPublicIPAddressZoneConstraint",
          `Public IP ${target.ip} is in zone ${target.zone}; the VM is in ${instance.zone}.`,
        );
      }
    }
    const id = randomUUID();
    const duration = this.faults.nextOperationDuration();
    this.operations.set(id, {
      status: "InProgress",
      doneAt: Date.now() + duration,
      apply: () => {
        if (current && current.ip !== target?.ip) this.world.detach(current.ip, instance.key, "azure-api");
        if (target) this.ledger.attach(this.world, target.ip, instance.key, { actor: "azure-api", replica });
      },
    });
    const timer = setTimeout(() => {
      this.clocks.delete(timer);
      this.operation(id, true);
    }, duration).unref();
    this.clocks.add(timer);
    const asyncOperation = `${baseUrl}/subscriptions/${subscription}/providers/Microsoft.Network/locations/westeurope/operations/${id}?api-version=2024-05-01`;
    const result = {
      ...this.nic(instance),
      properties: { ...this.nic(instance).properties, provisioningState: "Updating" },
    };
    return { status: 200, result, headers: { "azure-asyncoperation": asyncOperation, "retry-after": "0" } };
  }

  /** The operation, completed first when its time has come (or `due`: its own clock says so). */
  private operation(id: string, due = false): AsyncOperation {
    const op = this.operations.get(id);
    if (!op) throw new ArmError(404, "NotFound", `operation ${id} not found`);
    if (op.status === "InProgress" && (due || Date.now() >= op.doneAt)) {
      try {
        op.apply();
        op.status = "Succeeded";
      } catch (error) {
        op.status = "Failed";
        op.error = { code: "PublicIPAddressInUse", message: error instanceof Error ? error.message : String(error) };
      }
    }
    return op;
  }
}

interface NicBody {
  properties?: { ipConfigurations?: { properties?: { publicIPAddress?: { id?: string } } }[] };
}
