import { GROUP, PLURAL, VERSION, createNetIPAllocation, installCRD, type NetIPAllocation } from "@ipac/api";
import { gceInstanceKey } from "@ipac/cloud";
import type { Simulator } from "@ipac/cloud-sim";
import { SimulatedNodes } from "@ipac/testenv";
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Node,
} from "@kubernetes/client-node";
import type { ConvergenceSnapshot } from "./invariants.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const PROJECT = "proj";
const REGION = "us-west1";
const ZONES = ["us-west1-a", "us-west1-b"];

/** One allocation of the campaign's cluster: its IPs and the role its nodes carry. */
interface ChaosAllocation {
  name: string;
  role: string;
  ips: string[];
  /** An IP the allocation edits add and remove. */
  extraIP?: string;
}

/**
 * The cluster and cloud of one seed: simulated nodes in two zones with matching GCE instances, and two
 * NetIPAllocations over disjoint node sets (4 nodes for two IPs, 3 nodes for one). Everything is named after
 * the seed's prefix, so seeds share one control plane.
 */
export class ChaosWorld {
  readonly nodes: string[];
  readonly allocations: ChaosAllocation[];
  readonly simulated: SimulatedNodes;
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly sim: Simulator,
    readonly prefix: string,
  ) {
    this.nodes = Array.from({ length: 7 }, (_, i) => `${prefix}-n${i}`);
    this.allocations = [
      { name: `${prefix}-a`, role: "a", ips: ["34.120.0.1", "34.120.0.2"], extraIP: "34.120.0.4" },
      { name: `${prefix}-b`, role: "b", ips: ["34.120.0.3"] },
    ];
    this.simulated = new SimulatedNodes(kubeConfig);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  private roleOf(index: number): string {
    return index < 4 ? "a" : "b";
  }

  async create(): Promise<void> {
    await installCRD(this.kubeConfig);
    for (const ip of ["34.120.0.1", "34.120.0.2", "34.120.0.3", "34.120.0.4"])
      this.sim.world.reserveAddress({ ip, provider: "gcp", region: REGION });
    await this.simulated.createReady(
      this.nodes.map((name, i) => {
        const zone = ZONES[i % ZONES.length]!;
        this.sim.world.addInstance({
          key: gceInstanceKey(PROJECT, zone, name),
          provider: "gcp",
          name,
          zone,
          account: PROJECT,
          ephemeralIP: `203.0.113.${i + 1}`,
        });
        return {
          name,
          zone,
          providerID: `gce://${PROJECT}/${zone}/${name}`,
          labels: { pool: this.prefix, role: this.roleOf(i) },
        };
      }),
    );
    for (const allocation of this.allocations) {
      await createNetIPAllocation(
        this.custom,
        { name: allocation.name },
        {
          reservedIPs: allocation.ips,
          cloud: { provider: "gcp", region: REGION },
          nodeSelector: { pool: this.prefix, role: allocation.role },
          notReadyGracePeriodSeconds: 2,
          reconcileInterval: 10,
        },
      );
    }
  }

  /** Adds the extra IP to the first allocation, or removes it again. */
  async toggleExtraIP(): Promise<void> {
    const allocation = this.allocations[0]!;
    const current = (await this.allocation(allocation.name)).spec.reservedIPs;
    const reservedIPs = current.includes(allocation.extraIP!)
      ? current.filter((ip) => ip !== allocation.extraIP)
      : [...current, allocation.extraIP!];
    await this.custom.patchClusterCustomObject(
      { group: GROUP, version: VERSION, plural: PLURAL, name: allocation.name, body: { spec: { reservedIPs } } },
      mergePatch,
    );
  }

  private async allocation(name: string): Promise<NetIPAllocation> {
    return (await this.custom.getClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      name,
    })) as NetIPAllocation;
  }

  /** Uncordons and restarts the kubelet of every node: after this each node becomes eligible again. */
  async heal(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (name) => {
        await this.simulated.uncordon(name);
        await this.simulated.recover(name);
      }),
    );
  }

  /** The state I3 is judged on: allocations' final specs, eligible nodes, holders, labels, external IPs. */
  async snapshot(gcpEndpoint: string): Promise<ConvergenceSnapshot> {
    const nodes = (await this.core.listNode({ labelSelector: `pool=${this.prefix}` })).items;
    const eligible = nodes.filter(isEligible);
    const allocations = await Promise.all(
      this.allocations.map(async ({ name, role }) => {
        const allocation = await this.allocation(name);
        const events = await this.core.listEventForAllNamespaces({ fieldSelector: `involvedObject.name=${name}` });
        return {
          name,
          ips: allocation.spec.reservedIPs,
          eligibleNodes: eligible.filter((n) => n.metadata?.labels?.role === role).map((n) => n.metadata!.name!),
          reports: JSON.stringify(allocation.status ?? {}) + events.items.map((e) => e.message ?? "").join("\n"),
        };
      }),
    );
    const withoutExternalIP: string[] = [];
    for (const [i, name] of this.nodes.entries()) {
      const zone = ZONES[i % ZONES.length]!;
      const instance = (await (
        await fetch(`${gcpEndpoint}/compute/v1/projects/${PROJECT}/zones/${zone}/instances/${name}`)
      ).json()) as { networkInterfaces: { accessConfigs: unknown[] }[] };
      if (instance.networkInterfaces[0]!.accessConfigs.length === 0) withoutExternalIP.push(name);
    }
    return {
      allocations,
      holders: Object.fromEntries(
        [...this.sim.world.listAddresses()].map((a) => [a.ip, this.sim.world.holderOf(a.ip)?.name]),
      ),
      labelled: nodes.filter((n) => n.metadata?.labels?.["ip.ready"] === "true").map((n) => n.metadata!.name!),
      withoutExternalIP,
    };
  }

  /** Removes the seed's allocations (without a controller left to run finalizers), nodes and Lease. */
  async delete(leaseName: string): Promise<void> {
    for (const { name } of this.allocations) {
      await this.custom
        .patchClusterCustomObject(
          { group: GROUP, version: VERSION, plural: PLURAL, name, body: { metadata: { finalizers: null } } },
          mergePatch,
        )
        .catch(() => undefined);
      await this.custom
        .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, name })
        .catch(() => undefined);
    }
    await this.core.deleteCollectionNode({ labelSelector: `pool=${this.prefix}` });
    await this.kubeConfig
      .makeApiClient(CoordinationV1Api)
      .deleteNamespacedLease({ name: leaseName, namespace: "default" })
      .catch(() => undefined);
  }
}

/** Ready, schedulable and without a NoSchedule/NoExecute taint. */
function isEligible(node: V1Node): boolean {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
  const tainted = (node.spec?.taints ?? []).some((t) => t.effect === "NoSchedule" || t.effect === "NoExecute");
  return ready && !node.spec?.unschedulable && !tainted;
}
