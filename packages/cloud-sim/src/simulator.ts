import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { World, type WorldAddress, type WorldInstance } from "./world.js";
import { Ec2Front } from "./aws/ec2-front.js";
import { ArmFront } from "./azure/arm-front.js";
import type { Faults, LatencyRange } from "./faults.js";
import { ComputeFront } from "./gcp/compute-front.js";
import { Ledger } from "./ledger.js";

/** A world file: the instances and reserved addresses to start with. */
export interface WorldFile {
  gcpProject?: string;
  instances?: WorldInstance[];
  addresses?: WorldAddress[];
}

export interface SimulatorEndpoints {
  gcp: string;
  aws: string;
  azure: string;
  admin: string;
  /** The environment a controller needs to use this simulator. */
  env: Record<string, string>;
}

/**
 * The whole simulator: one World behind the three wire fronts, plus an admin API to change the world out of band
 * (someone else attaching an IP, an instance terminated), inject faults, and dump who holds what and the history.
 * One ledger records every request (by replica, through `addReplica`'s endpoints) and, in permissive mode, every
 * double attach.
 */
export class Simulator {
  readonly world = new World();
  readonly ledger = new Ledger();
  readonly gcp: ComputeFront;
  readonly aws: Ec2Front;
  readonly azure: ArmFront;
  private readonly admin: Server;

  constructor(file: WorldFile = {}) {
    for (const instance of file.instances ?? []) this.world.addInstance(instance);
    for (const address of file.addresses ?? []) this.world.reserveAddress(address);
    this.gcp = new ComputeFront(this.world, file.gcpProject ?? "proj", this.ledger);
    this.aws = new Ec2Front(this.world, "us-east-1", this.ledger);
    this.azure = new ArmFront(this.world, this.ledger);
    this.admin = createServer((request, response) => void this.handleAdmin(request, response));
  }

  async start(host = "127.0.0.1"): Promise<SimulatorEndpoints> {
    await new Promise<void>((resolve) => this.admin.listen(0, host, resolve));
    return this.endpoints(host, "");
  }

  /** Endpoints of their own for one replica: the ledger records every request through them as sent by it. */
  addReplica(replica: string, host = "127.0.0.1"): Promise<SimulatorEndpoints> {
    return this.endpoints(host, replica);
  }

  private async endpoints(host: string, replica: string): Promise<SimulatorEndpoints> {
    const gcp = await this.gcp.listen(0, host, replica);
    const aws = await this.aws.listen(0, host, replica);
    const azure = await this.azure.listen(0, host, replica);
    const gcpUrl = `http://${gcp.host}:${gcp.port}`;
    return {
      gcp: gcpUrl,
      aws,
      azure,
      admin: `http://${host}:${(this.admin.address() as AddressInfo).port}`,
      env: {
        GCP_COMPUTE_ENDPOINT: gcpUrl,
        GCE_METADATA_HOST: `${gcp.host}:${gcp.port}`,
        AWS_ENDPOINT_URL_EC2: aws,
        AWS_ACCESS_KEY_ID: "sim",
        AWS_SECRET_ACCESS_KEY: "sim",
        AZURE_RESOURCE_MANAGER_ENDPOINT: azure,
      },
    };
  }

  async stop(): Promise<void> {
    this.admin.closeAllConnections();
    await Promise.all([
      this.gcp.close(),
      this.aws.close(),
      this.azure.close(),
      new Promise((r) => this.admin.close(r)),
    ]);
  }

  private faultsOf(front: string): Faults {
    if (front === "gcp") return this.gcp.faults;
    if (front === "aws") return this.aws.faults;
    if (front === "azure") return this.azure.faults;
    throw new Error(`unknown front ${front}`);
  }

  private async handleAdmin(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = "";
    for await (const chunk of request) body += chunk;
    const input = (body ? JSON.parse(body) : {}) as Record<string, unknown>;
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    try {
      const result = this.route(request.method ?? "GET", path, input);
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(result ?? { ok: true }));
    } catch (error) {
      response.writeHead(400, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    }
  }

  private route(method: string, path: string, input: Record<string, unknown>): unknown {
    const world = this.world;
    const text = (key: string) => String(input[key] ?? "");
    switch (`${method} ${path}`) {
      case "GET /world":
        return {
          holders: Object.fromEntries([...world.listAddresses()].map((a) => [a.ip, world.holderOf(a.ip)?.key ?? null])),
          instances: [...world.listInstances()],
          history: world.history,
          ipsOnTwoInstances: world.ipsOnTwoInstances(),
          violations: this.ledger.violations,
        };
      case "GET /requests":
        return this.ledger.requests;
      case "GET /violations":
        return this.ledger.violations;
      case "POST /permissive":
        this.ledger.permissive = input.permissive !== false;
        return { permissive: this.ledger.permissive };
      case "POST /instances":
        return world.addInstance(input as unknown as WorldInstance);
      case "POST /addresses":
        return world.reserveAddress(input as unknown as WorldAddress);
      case "POST /attach":
        return world.attach(text("ip"), text("instance"), { reassociate: input.reassociate === true, actor: "admin" });
      case "POST /detach":
        return world.detach(text("ip"), text("instance"), "admin");
      case "POST /terminate":
        return world.terminate(text("instance"), "admin");
      case "POST /faults": {
        const faults = this.faultsOf(text("front"));
        const latency = rangeOf(input.latency);
        if (latency) faults.latency(latency, (input.latency as { operation?: string }).operation);
        if (input.operation)
          faults.failNext(
            text("operation"),
            text("code"),
            Number(input.status ?? 500),
            Number(input.times ?? 1),
            input.retryAfterSeconds === undefined ? undefined : Number(input.retryAfterSeconds),
          );
        const duration = rangeOf(input.operationDuration);
        if (duration) {
          if (text("front") === "aws") throw new Error("the EC2 front has no asynchronous operations");
          faults.operationDuration(duration);
        }
        return { ok: true };
      }
      default:
        throw new Error(`no admin route ${method} ${path}`);
    }
  }
}

/** A latency range from the admin API's JSON ({ minMs, maxMs? }), or undefined when none was given. */
function rangeOf(value: unknown): LatencyRange | undefined {
  const range = value as { minMs?: unknown; maxMs?: unknown } | undefined;
  if (typeof range?.minMs !== "number") return undefined;
  return { minMs: range.minMs, ...(typeof range.maxMs === "number" ? { maxMs: range.maxMs } : {}) };
}
