import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CloudError, gceInstanceKey } from "@ipac/cloud";
import { type World, type WorldInstance } from "../world.js";
import { Faults } from "../faults.js";
import { closeAll } from "../servers.js";
import { Ledger, type RequestRecord } from "../ledger.js";

const SELF_LINK_BASE = "https://www.googleapis.com/compute/v1";
const WRITES = new Set(["instances.deleteAccessConfig", "instances.addAccessConfig"]);

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

interface Operation {
  id: string;
  name: string;
  zone: string;
  project: string;
  operationType: string;
  targetLink: string;
  status: "PENDING" | "RUNNING" | "DONE";
  error?: { errors: { code: string; message: string }[] };
  doneAt: number;
  apply: () => void;
}

/**
 * The Compute Engine REST API (JSON) over the shared World, for the official @google-cloud/compute client pointed
 * at it (`apiEndpoint`, `port`, `protocol: "http"`): instances.get, add/deleteAccessConfig as zonal Operations
 * that finish after `faults.operationDuration` whether or not anyone polls them (as on GCP: a caller that dies
 * after sending a write does not stop it), addresses list/aggregatedList, zoneOperations get/wait. Real
 * constraints: one access config per NIC, an IN_USE address cannot be added elsewhere (unless the ledger is
 * permissive, which records it), Google's JSON error shape. `listen(…, replica)` opens one more endpoint whose
 * requests the ledger attributes to that replica.
 */
export class ComputeFront {
  readonly faults = new Faults();
  /** Called with each API operation before it runs; may throw or hang (e.g. to kill a client mid-move). */
  beforeOperation?: (operation: string, request: RequestRecord) => Promise<void> | void;
  private readonly servers: Server[] = [];
  private readonly operations = new Map<string, Operation>();
  /** Timers that complete running Operations on their own clock. */
  private readonly clocks = new Set<NodeJS.Timeout>();
  /** Instances whose NIC has no access config at all (after a delete, before an add). */
  private readonly withoutAccessConfig = new Set<string>();

  constructor(
    private readonly world: World,
    /** The project the metadata server reports. */
    private readonly project = "proj",
    readonly ledger = new Ledger(),
  ) {}

  /** Opens an endpoint; requests through it are recorded as sent by `replica`. */
  async listen(port = 0, host = "127.0.0.1", replica = ""): Promise<{ host: string; port: number }> {
    const server = createServer((request, response) => void this.handle(request, response, replica));
    this.servers.push(server);
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    return { host, port: (server.address() as AddressInfo).port };
  }

  async close(): Promise<void> {
    for (const timer of this.clocks) clearTimeout(timer);
    this.clocks.clear();
    await closeAll(this.servers);
  }

  private async handle(request: IncomingMessage, response: ServerResponse, replica: string): Promise<void> {
    let body = "";
    for await (const chunk of request) body += chunk;
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname === "/" || url.pathname.startsWith("/computeMetadata/"))
      return this.metadata(request, url.pathname, response);
    const path = url.pathname.replace(/^\/compute\/v1\//, "").split("/");
    const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    let record: RequestRecord | undefined;
    response.once("close", () => {
      if (record) record.outcome = response.writableFinished ? response.statusCode : "aborted";
    });
    try {
      const route = this.route(request.method ?? "GET", path);
      const [, project, , zone, collection, name] = path;
      record = this.ledger.record({
        replica,
        front: "gcp",
        operation: route.operation,
        write: WRITES.has(route.operation),
        ...(collection === "instances" && name ? { target: gceInstanceKey(project!, zone!, name) } : {}),
        ...(typeof input.natIP === "string" ? { ip: input.natIP } : {}),
      });
      await this.beforeOperation?.(route.operation, record);
      const fault = await this.faults.enter(route.operation);
      if (fault) throw new ApiError(fault.status, fault.code, `injected ${fault.code}`, fault.retryAfterSeconds ?? 1);
      const result = await route.run(url.searchParams, input, replica);
      response.writeHead(200, { "content-type": "application/json; charset=UTF-8" });
      response.end(JSON.stringify(result));
    } catch (error) {
      const e =
        error instanceof ApiError
          ? error
          : error instanceof CloudError
            ? new ApiError(
                error.kind === "NotFound" ? 404 : 400,
                error.kind === "Conflict" ? "resourceInUseByAnotherResource" : "invalid",
                error.message,
              )
            : new ApiError(500, "backendError", String(error));
      // Throttling says how long to wait twice, as Google APIs do: the header, and a google.rpc.RetryInfo detail.
      const wait = e.status === 429 ? (e.retryAfterSeconds ?? 1) : undefined;
      response.writeHead(e.status, {
        "content-type": "application/json; charset=UTF-8",
        ...(wait !== undefined ? { "retry-after": String(wait) } : {}),
      });
      response.end(
        JSON.stringify({
          error: {
            code: e.status,
            message: e.message,
            errors: [{ message: e.message, domain: "global", reason: e.reason }],
            ...(wait !== undefined
              ? { details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${wait}s` }] }
              : {}),
          },
        }),
      );
    }
  }

  /**
   * The GCE metadata server as its clients probe it, so Application Default Credentials work unchanged
   * (GCE_METADATA_HOST points them here), as on GKE with Workload Identity: the ping at `/` (Python
   * google-auth), the service account's info and token (JSON), the project id (text).
   */
  private metadata(request: IncomingMessage, path: string, response: ServerResponse): void {
    if (request.headers["metadata-flavor"] !== "Google") {
      response.writeHead(403, { "metadata-flavor": "Google", "content-type": "text/plain" });
      response.end("Missing Metadata-Flavor: Google header");
      return;
    }
    const email = `default@${this.project}.iam.gserviceaccount.com`;
    const serviceAccount = { aliases: ["default"], email, scopes: ["https://www.googleapis.com/auth/cloud-platform"] };
    const answers: Record<string, string | object> = {
      "/": "computeMetadata/\n",
      "/computeMetadata/v1/instance": {},
      "/computeMetadata/v1/instance/": {},
      "/computeMetadata/v1/instance/service-accounts/default/": serviceAccount,
      "/computeMetadata/v1/instance/service-accounts/default/email": email,
      "/computeMetadata/v1/project/project-id": this.project,
      "/computeMetadata/v1/instance/service-accounts/default/token": {
        access_token: "sim-token",
        expires_in: 3600,
        token_type: "Bearer",
      },
    };
    const answer = answers[path];
    const text = typeof answer === "string";
    response.writeHead(answer === undefined ? 404 : 200, {
      "metadata-flavor": "Google",
      "content-type": text || answer === undefined ? "application/text" : "application/json",
    });
    response.end(answer === undefined ? "not found" : text ? answer : JSON.stringify(answer));
  }

  private route(
    method: string,
    p: string[],
  ): { operation: string; run: (q: URLSearchParams, body: Record<string, unknown>, replica: string) => unknown } {
    const [, project, scopeKind, scope, collection, name, verb, extra] = p as (string | undefined)[];
    if (p[0] !== "projects" || !project) throw new ApiError(404, "notFound", "unknown path");
    if (scopeKind === "aggregated" && scope === "addresses")
      return { operation: "addresses.aggregatedList", run: () => this.aggregatedAddresses(project) };
    if (scopeKind === "regions" && collection === "addresses" && !name)
      return { operation: "addresses.list", run: () => this.listAddresses(project, scope!) };
    if (scopeKind === "zones" && collection === "instances" && name) {
      if (method === "GET" && !verb)
        return { operation: "instances.get", run: () => this.instanceJson(this.instance(project, scope!, name)) };
      if (method === "POST" && verb === "deleteAccessConfig")
        return {
          operation: "instances.deleteAccessConfig",
          run: (q) => this.deleteAccessConfig(project, scope!, name, q),
        };
      if (method === "POST" && verb === "addAccessConfig")
        return {
          operation: "instances.addAccessConfig",
          run: (q, b, replica) => this.addAccessConfig(project, scope!, name, q, b, replica),
        };
    }
    if (scopeKind === "zones" && collection === "operations" && name) {
      if (method === "GET" && !verb)
        return { operation: "zoneOperations.get", run: () => this.operationJson(this.operation(name)) };
      if (method === "POST" && verb === "wait" && !extra)
        return { operation: "zoneOperations.wait", run: () => this.waitOperation(name) };
    }
    throw new ApiError(404, "notFound", `no route for ${method} ${p.join("/")}`);
  }

  private instance(project: string, zone: string, name: string): WorldInstance {
    const instance = this.world.instance(gceInstanceKey(project, zone, name));
    if (!instance || instance.terminated) {
      throw new ApiError(
        404,
        "notFound",
        `The resource 'projects/${project}/zones/${zone}/instances/${name}' was not found`,
      );
    }
    return instance;
  }

  private instanceJson(instance: WorldInstance) {
    const natIP = this.withoutAccessConfig.has(instance.key) ? undefined : this.world.publicIPOf(instance.key);
    return {
      kind: "compute#instance",
      id: String(Math.abs(hash(instance.key))),
      name: instance.name,
      zone: `${SELF_LINK_BASE}/projects/${instance.account}/zones/${instance.zone}`,
      status: "RUNNING",
      selfLink: selfLink(instance),
      networkInterfaces: [
        {
          name: "nic0",
          networkIP: "10.128.0.2",
          accessConfigs: natIP
            ? [
                {
                  kind: "compute#accessConfig",
                  type: "ONE_TO_ONE_NAT",
                  name: "external-nat",
                  natIP,
                  networkTier: "PREMIUM",
                },
              ]
            : [],
        },
      ],
    };
  }

  private staticAddresses(project: string, region?: string) {
    return [...this.world.listAddresses()].filter(
      (a) => a.provider === "gcp" && (!region || a.region === region) && project,
    );
  }

  private addressJson(project: string, address: { ip: string; name?: string; region?: string }) {
    const holder = this.world.holderOf(address.ip);
    return {
      kind: "compute#address",
      name: address.name ?? `address-${address.ip.replace(/[.:]/g, "-")}`,
      address: address.ip,
      addressType: "EXTERNAL",
      status: holder ? "IN_USE" : "RESERVED",
      region: `${SELF_LINK_BASE}/projects/${project}/regions/${address.region}`,
      ...(holder ? { users: [selfLink(holder)] } : {}),
    };
  }

  private listAddresses(project: string, region: string) {
    return {
      kind: "compute#addressList",
      items: this.staticAddresses(project, region).map((a) => this.addressJson(project, a)),
    };
  }

  private aggregatedAddresses(project: string) {
    const items: Record<string, { addresses: unknown[] }> = {};
    for (const address of this.staticAddresses(project)) {
      const key = `regions/${address.region}`;
      (items[key] ??= { addresses: [] }).addresses.push(this.addressJson(project, address));
    }
    return { kind: "compute#addressAggregatedList", items };
  }

  private deleteAccessConfig(project: string, zone: string, name: string, q: URLSearchParams) {
    const instance = this.instance(project, zone, name);
    const accessConfig = q.get("accessConfig");
    if (q.get("networkInterface") !== "nic0")
      throw new ApiError(400, "invalid", "Invalid value for field 'networkInterface'");
    if (this.withoutAccessConfig.has(instance.key) || accessConfig !== "external-nat") {
      throw new ApiError(400, "invalid", `Access config '${accessConfig}' not found on network interface nic0`);
    }
    return this.startOperation(instance, "deleteAccessConfig", () => {
      const held = [...this.world.listAddresses()].find((a) => this.world.holderOf(a.ip)?.key === instance.key);
      if (held) this.world.detach(held.ip, instance.key, "gcp-api");
      this.withoutAccessConfig.add(instance.key);
    });
  }

  private addAccessConfig(
    project: string,
    zone: string,
    name: string,
    q: URLSearchParams,
    body: Record<string, unknown>,
    replica: string,
  ) {
    const instance = this.instance(project, zone, name);
    if (q.get("networkInterface") !== "nic0")
      throw new ApiError(400, "invalid", "Invalid value for field 'networkInterface'");
    if (!this.withoutAccessConfig.has(instance.key)) {
      throw new ApiError(400, "invalid", "At most one access config currently supported.");
    }
    const natIP = typeof body.natIP === "string" ? body.natIP : undefined;
    if (natIP) {
      const holder = this.world.holderOf(natIP);
      if (holder && holder.key !== instance.key && this.ledger.refusesDoubleAttach()) {
        throw new ApiError(
          400,
          "resourceInUseByAnotherResource",
          `The resource '${natIP}' is already being used by '${selfLink(holder)}'`,
        );
      }
      if (!this.world.address(natIP)) throw new ApiError(400, "invalid", `Invalid value for field 'natIP': '${natIP}'`);
    }
    return this.startOperation(instance, "addAccessConfig", () => {
      if (natIP) this.ledger.attach(this.world, natIP, instance.key, { actor: "gcp-api", replica });
      this.withoutAccessConfig.delete(instance.key);
    });
  }

  private startOperation(instance: WorldInstance, operationType: string, apply: () => void) {
    const id = randomUUID();
    const duration = this.faults.nextOperationDuration();
    const op: Operation = {
      id,
      name: `operation-${id}`,
      zone: instance.zone!,
      project: instance.account!,
      operationType,
      targetLink: selfLink(instance),
      status: duration > 0 ? "RUNNING" : "DONE",
      doneAt: Date.now() + duration,
      apply,
    };
    this.operations.set(op.name, op);
    this.settle(op);
    if (op.status !== "DONE") {
      const timer = setTimeout(() => {
        this.clocks.delete(timer);
        op.doneAt = Math.min(op.doneAt, Date.now());
        this.settle(op);
      }, duration).unref();
      this.clocks.add(timer);
    }
    return this.operationJson(op);
  }

  /** Completes an operation whose time has come; a failure in its effect becomes the Operation's error. */
  private settle(op: Operation): void {
    if (op.status === "DONE" && op.doneAt === -1) return;
    if (Date.now() < op.doneAt) return;
    try {
      op.apply();
    } catch (error) {
      op.error = {
        errors: [
          {
            code: "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE",
            message: error instanceof Error ? error.message : String(error),
          },
        ],
      };
    }
    op.status = "DONE";
    op.doneAt = -1;
  }

  private operation(name: string): Operation {
    const op = this.operations.get(name);
    if (!op) throw new ApiError(404, "notFound", `The resource 'operations/${name}' was not found`);
    this.settle(op);
    return op;
  }

  /** Like the real wait: returns when DONE, or after a while with the operation still RUNNING. */
  private async waitOperation(name: string) {
    const op = this.operation(name);
    const deadline = Date.now() + 2_000;
    while (op.status !== "DONE" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(1, op.doneAt - Date.now()))));
      this.settle(op);
    }
    return this.operationJson(op);
  }

  private operationJson(op: Operation) {
    return {
      kind: "compute#operation",
      id: String(Math.abs(hash(op.id))),
      name: op.name,
      zone: `${SELF_LINK_BASE}/projects/${op.project}/zones/${op.zone}`,
      operationType: op.operationType,
      targetLink: op.targetLink,
      status: op.status,
      progress: op.status === "DONE" ? 100 : 50,
      selfLink: `${SELF_LINK_BASE}/projects/${op.project}/zones/${op.zone}/operations/${op.name}`,
      ...(op.error ? { error: op.error } : {}),
    };
  }
}

function selfLink(instance: WorldInstance): string {
  return `${SELF_LINK_BASE}/projects/${instance.account}/zones/${instance.zone}/instances/${instance.name}`;
}

function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (Math.imul(31, h) + c.charCodeAt(0)) | 0;
  return h;
}
