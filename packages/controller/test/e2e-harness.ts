// Test harness for the controller's end-to-end tests: a real control plane (shared per Jest worker), simulated
// nodes with matching instances in the in-memory cloud, and controller instances started as in production.
import {
  GROUP,
  PLURAL,
  VERSION,
  createNetIPAllocation,
  installCRD,
  type NetIPAllocation,
  type NetIPAllocationSpec,
} from "@ipac/api";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { awsInstanceKey, azureVmKey, gceInstanceKey } from "@ipac/cloud";
import { InMemoryCloudProvider, World } from "@ipac/cloud-sim";
import { SimulatedNodes, freePort, sharedControlPlane, waitFor, type SharedControlPlane } from "@ipac/testenv";
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type KubeConfig,
  type V1Node,
} from "@kubernetes/client-node";
import { ignoreNotFound } from "@ipac/runtime";
import { pino, type Logger } from "pino";
import { loadConfig } from "../src/config.js";
import { startController, type RunningController } from "../src/controller.js";

export const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export const AZURE_SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";
export const AZURE_RESOURCE_GROUP = "MC_aks_westeurope";

const controllerMain = resolve(dirname(fileURLToPath(import.meta.url)), "../dist/main.js");

/** How a controller process is started from its environment: its entry point with this Node by default; the
 * image test runs the container image instead. */
export type Launcher = (env: Record<string, string>) => { command: string; args: string[] };

export const nodeLauncher: Launcher = () => ({ command: "node", args: [controllerMain] });

/** The environment of a controller process on the GCP simulator: ADC through its metadata server, its Compute API. */
export function gcpProcessEnv(endpoint: string): Record<string, string> {
  return {
    GCE_METADATA_HOST: endpoint.replace("http://", ""),
    GCP_COMPUTE_ENDPOINT: endpoint,
    GOOGLE_APPLICATION_CREDENTIALS: "",
  };
}

/** netipallocation_reconcile_total of a controller process, summed over statuses, by allocation. */
export async function reconcileTotals(metricsPort: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const line of text.split("\n")) {
    const name = /^netipallocation_reconcile_total\{.*crd_name="([^"]+)"/.exec(line)?.[1];
    if (name) counts.set(name, (counts.get(name) ?? 0) + Number(line.split(" ").at(-1)));
  }
  return counts;
}

export interface ControllerProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
}

export class Harness {
  cp!: SharedControlPlane;
  kc!: KubeConfig;
  core!: CoreV1Api;
  custom!: CustomObjectsApi;
  nodes!: SimulatedNodes;
  readonly world = new World();
  readonly controllers: RunningController[] = [];
  /** Cloud instance name → node name (they differ on AWS). */
  private readonly nodeOfInstance = new Map<string, string>();
  /** Node label that keeps this test's nodes apart from other tests' in the shared cluster. */
  readonly poolLabel: Record<string, string>;

  constructor(
    readonly prefix: string,
    private readonly launch: Launcher = nodeLauncher,
  ) {
    this.poolLabel = { pool: prefix };
  }

  async setUp(): Promise<void> {
    this.cp = await sharedControlPlane();
    this.kc = this.cp.kubeConfig;
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.custom = this.kc.makeApiClient(CustomObjectsApi);
    this.nodes = new SimulatedNodes(this.kc);
    await installCRD(this.kc);
  }

  readonly processes: ControllerProcess[] = [];

  /** Allocations this test created: removed at tear-down with its nodes, so later files on this worker's
   * control plane (whose controllers see every allocation) do not reconcile them. */
  private readonly createdAllocations = new Set<string>();

  async tearDown(): Promise<void> {
    await Promise.all(this.controllers.splice(0).map((c) => c.stop()));
    for (const p of this.processes) p.child.kill("SIGTERM");
    await Promise.all(this.processes.splice(0).map((p) => p.exited));
    for (const name of this.createdAllocations) {
      // No controller is left to honour a Release finalizer.
      await this.patchAllocation(name, { metadata: { finalizers: null } }).catch(ignoreNotFound);
      await this.deleteAllocation(name).catch(ignoreNotFound);
    }
    // kwok stops heartbeating deleted nodes: later files on this worker do not pay for this file's nodes.
    if (this.core) await this.core.deleteCollectionNode({ labelSelector: `pool=${this.prefix}` });
  }

  /** Starts the controller as production does (its entry point, configured by the environment); `output: "pipe"`
   * gives the test its stdout (the log lines). */
  async spawnController(
    id: string,
    env: Record<string, string>,
    leaseSeconds = 6,
    output: "inherit" | "pipe" = "inherit",
  ): Promise<ControllerProcess> {
    const controllerEnv = {
      KUBECONFIG: this.cp.kubeconfigPath,
      METRICS_PORT: String(await freePort()),
      LEASE_NAME: `${this.prefix}-leader`,
      LEASE_NAMESPACE: "default",
      LEASE_DURATION: String(leaseSeconds),
      POD_NAME: id,
      LOG_LEVEL: process.env.IPAC_TEST_LOG ?? "error",
      ...env,
    };
    const { command, args } = this.launch(controllerEnv);
    const child = spawn(command, args, {
      env: { ...process.env, ...controllerEnv },
      stdio: ["ignore", output, "inherit"],
    });
    const started = { child, exited: new Promise<number | null>((resolveExit) => child.once("exit", resolveExit)) };
    this.processes.push(started);
    return started;
  }

  /** One controller process on the GCP simulator at `endpoint`, serving its metrics on `metricsPort`. */
  spawnGcpController(endpoint: string, metricsPort: number, leaseSeconds = 6): Promise<ControllerProcess> {
    return this.spawnController(
      `${this.prefix}-0`,
      { ...gcpProcessEnv(endpoint), METRICS_PORT: String(metricsPort) },
      leaseSeconds,
    );
  }

  nodeName(short: string): string {
    return `${this.prefix}-${short}`;
  }

  /** Creates Ready simulated nodes and their cloud instances (GCE VMs, or EC2 instances with `aws`). */
  async addNodes(
    shorts: string[],
    zone = "zone-a",
    extraLabels: Record<string, string> = {},
    provider: "gcp" | "aws" | "azure" = "gcp",
  ): Promise<void> {
    await this.nodes.createReady(
      shorts.map((short) => {
        const name = this.nodeName(short);
        const instanceId = `i-${createHash("sha256").update(name).digest("hex").slice(0, 17)}`;
        const instance =
          provider === "aws"
            ? { key: awsInstanceKey(instanceId), name: instanceId, providerID: `aws:///${zone}/${instanceId}` }
            : provider === "azure"
              ? {
                  key: azureVmKey(AZURE_SUBSCRIPTION, AZURE_RESOURCE_GROUP, name),
                  name,
                  providerID: `azure:///subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/${AZURE_RESOURCE_GROUP}/providers/Microsoft.Compute/virtualMachines/${name}`,
                }
              : { key: gceInstanceKey("proj", zone, name), name, providerID: `gce://proj/${zone}/${name}` };
        this.world.addInstance({
          key: instance.key,
          provider,
          name: instance.name,
          zone,
          ephemeralIP: "203.0.113.1",
          ...(provider === "gcp" ? { account: "proj" } : {}),
          ...(provider === "azure" ? { account: AZURE_SUBSCRIPTION, resourceGroup: AZURE_RESOURCE_GROUP } : {}),
        });
        this.nodeOfInstance.set(instance.name, name);
        return { name, zone, providerID: instance.providerID, labels: { ...this.poolLabel, ...extraLabels } };
      }),
    );
  }

  reserve(
    ips: string[],
    provider: "gcp" | "aws" | "azure" = "gcp",
    region = provider === "aws" ? "us-east-1" : "region-1",
  ): void {
    for (const ip of ips) this.world.reserveAddress({ ip, provider, region });
  }

  provider(actor = "controller"): InMemoryCloudProvider {
    return new InMemoryCloudProvider(this.world, "gcp", actor);
  }

  async startController(
    identity: string,
    provider = this.provider(identity),
    options: {
      releaseOnStop?: boolean;
      shutdownTimeoutMs?: number;
      /** Credentials the controller runs with (default: the control plane's admin). */
      kubeConfig?: KubeConfig;
      leaseNamespace?: string;
      logger?: Logger;
    } = {},
  ): Promise<RunningController> {
    const { releaseOnStop = true, shutdownTimeoutMs } = options;
    const config = {
      ...loadConfig([], {}),
      leaseName: `${this.prefix}-leader`,
      leaseNamespace: options.leaseNamespace ?? "default",
      leaseDurationSeconds: 4,
      podName: identity,
      maxConcurrentReconciles: 4,
    };
    const controller = await startController({
      kubeConfig: options.kubeConfig ?? this.kc,
      config,
      cloudFor: (p) => (p === "gcp" ? provider : undefined),
      logger: options.logger ?? pino({ level: process.env.IPAC_TEST_LOG ?? "silent" }),
      identity,
      serveHealth: false,
      retryPeriodSeconds: 0.5,
      releaseOnStop,
      ...(shutdownTimeoutMs !== undefined ? { shutdownTimeoutMs } : {}),
    });
    this.controllers.push(controller);
    return controller;
  }

  async createAllocation(name: string, spec: Partial<NetIPAllocationSpec> & { reservedIPs: string[] }): Promise<void> {
    this.createdAllocations.add(name);
    await createNetIPAllocation(
      this.custom,
      { name },
      {
        cloud: { provider: "gcp", region: "region-1" },
        nodeSelector: this.poolLabel,
        notReadyGracePeriodSeconds: 2,
        ...spec,
      },
    );
  }

  async patchAllocation(name: string, body: object): Promise<void> {
    await this.custom.patchClusterCustomObject(
      { group: GROUP, version: VERSION, plural: PLURAL, name, body },
      mergePatch,
    );
  }

  async allocation(name: string): Promise<NetIPAllocation> {
    return (await this.custom.getClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      name,
    })) as NetIPAllocation;
  }

  async deleteAllocation(name: string): Promise<void> {
    await this.custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, name });
  }

  /** ip → node name holding it, as the cloud sees it (an instance that is no node of this test: its name). */
  holders(ips: string[]): Record<string, string | undefined> {
    return Object.fromEntries(
      ips.map((ip) => {
        const instance = this.world.holderOf(ip)?.name;
        return [ip, instance && (this.nodeOfInstance.get(instance) ?? instance)];
      }),
    );
  }

  async node(short: string): Promise<V1Node> {
    return this.core.readNode({ name: this.nodeName(short) });
  }

  async labelledNodes(): Promise<string[]> {
    const nodes = await this.core.listNode({ labelSelector: `pool=${this.prefix},ip.ready=true` });
    return nodes.items.map((n) => n.metadata!.name!).sort();
  }

  async events(allocation: string): Promise<CoreV1Event[]> {
    const list = await this.core.listNamespacedEvent({
      namespace: "default",
      fieldSelector: `involvedObject.name=${allocation}`,
    });
    return list.items;
  }

  /** Waits until every IP is held by some node of this test, all different, and the allocation reports them. */
  async waitConverged(name: string, ips: string[], timeoutMs = 30_000): Promise<Record<string, string>> {
    return waitFor(
      `${name} converged`,
      async () => {
        const holders = this.holders(ips);
        const names = Object.values(holders);
        if (names.some((n) => !n) || new Set(names).size !== names.length) return undefined;
        const labelled = await this.labelledNodes();
        if (labelled.join() !== [...names].sort().join()) return undefined;
        const status = (await this.allocation(name)).status;
        if (status?.attachedCount !== ips.length) return undefined;
        return holders as Record<string, string>;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }

  /** A Deployment of `replicas` pods on the pool's nodes; `spread`: at most one pod per node. */
  async createDeployment(name: string, replicas: number, nodeSelector = this.poolLabel, spread = false): Promise<void> {
    const onePer = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { app: name } }, topologyKey: "kubernetes.io/hostname" },
        ],
      },
    };
    await this.kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace: "default",
      body: {
        metadata: { name },
        spec: {
          replicas,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: {
              nodeSelector,
              ...(spread ? { affinity: onePer } : {}),
              containers: [{ name: "app", image: "registry.example/app:1" }],
            },
          },
        },
      },
    });
  }

  async runningPods(app: string): Promise<{ name: string; node: string }[]> {
    const pods = await this.core.listNamespacedPod({ namespace: "default", labelSelector: `app=${app}` });
    return pods.items
      .filter((p) => p.status?.phase === "Running" && !p.metadata?.deletionTimestamp)
      .map((p) => ({ name: p.metadata!.name!, node: p.spec!.nodeName! }));
  }
}
