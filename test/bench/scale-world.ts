// The world of one bench-scale step on a real API server: nodes made Ready by hand (no kubelet, no node
// lifecycle controller), each with a GCE providerID and a matching simulator instance; workload pods bound
// directly (the scheduler would be the bottleneck) under ReplicaSets of one Deployment per allocation; one
// allocation of a few IPs per node pool.
import { IP_READY_LABEL, ZONE_LABEL, createNetIPAllocation } from "@ipac/api";
import { gceInstanceKey } from "@ipac/cloud";
import type { World } from "@ipac/cloud-sim";
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from "@kubernetes/client-node";

export interface Step {
  nodes: number;
  pods: number;
  allocations: number;
}

export const IPS_PER_ALLOCATION = 3;
export const NAMESPACE = "bench";
export const PROJECT = "proj";
const REGION = "us-central1";
const ZONES = ["us-central1-a", "us-central1-b", "us-central1-c"];
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export const nodeName = (i: number) => `node-${i}`;
export const zoneOf = (i: number) => ZONES[i % ZONES.length]!;
export const instanceKey = (i: number) => gceInstanceKey(PROJECT, zoneOf(i), nodeName(i));
/** Node i is in pool i mod allocations, the pool allocation (i mod allocations) selects. */
export const poolOf = (step: Step, i: number) => `p-${i % step.allocations}`;
export const allocationName = (a: number) => `alloc-${a}`;
export const ipsOf = (a: number) =>
  Array.from({ length: IPS_PER_ALLOCATION }, (_, k) => {
    const n = a * IPS_PER_ALLOCATION + k;
    return `34.${64 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
  });

/** Runs `task` over `items`, `concurrency` at a time. */
export async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export async function populate(kc: KubeConfig, world: World, step: Step, log: (line: string) => void): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const started = performance.now();
  const took = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
  await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
  // No controller-manager here to create it; pod admission needs it.
  await core.createNamespacedServiceAccount({ namespace: NAMESPACE, body: { metadata: { name: "default" } } });
  const now = new Date();
  await inParallel(range(step.nodes), 32, async (i) => {
    const name = nodeName(i);
    world.addInstance({
      key: instanceKey(i),
      provider: "gcp",
      name,
      zone: zoneOf(i),
      account: PROJECT,
      ephemeralIP: "203.0.113.1",
    });
    await core.createNode({
      body: {
        metadata: {
          name,
          labels: {
            "kubernetes.io/hostname": name,
            [ZONE_LABEL]: zoneOf(i),
            pool: poolOf(step, i),
            "node.kubernetes.io/instance-type": "n2-standard-8",
          },
        },
        spec: { providerID: `gce://${PROJECT}/${zoneOf(i)}/${name}` },
      },
    });
    const capacity = { cpu: "8", memory: "32Gi", pods: "110" };
    await core.patchNodeStatus(
      {
        name,
        body: {
          status: {
            capacity,
            allocatable: capacity,
            conditions: [
              {
                type: "Ready",
                status: "True",
                reason: "KubeletReady",
                message: "ready by hand",
                lastHeartbeatTime: now,
                lastTransitionTime: now,
              },
            ],
            addresses: [
              { type: "InternalIP", address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
              { type: "Hostname", address: name },
            ],
          },
        },
      },
      mergePatch,
    );
    // The node-lifecycle controller's job: the API server taints every new node not-ready until then.
    await core.patchNode({ name, body: { spec: { taints: null } } }, mergePatch);
  });
  log(`  ${step.nodes} nodes Ready (${took()})`);
  const replicaSets = await Promise.all(
    range(step.allocations).map((a) =>
      apps.createNamespacedReplicaSet({
        namespace: NAMESPACE,
        body: {
          metadata: {
            name: `wl-${a}-6b9f7c`,
            labels: { app: `wl-${a}` },
            ownerReferences: [
              {
                apiVersion: "apps/v1",
                kind: "Deployment",
                name: `wl-${a}`,
                uid: `00000000-0000-0000-0000-${String(a).padStart(12, "0")}`,
                controller: true,
              },
            ],
          },
          spec: {
            replicas: 0,
            selector: { matchLabels: { app: `wl-${a}` } },
            template: {
              metadata: { labels: { app: `wl-${a}` } },
              spec: { containers: [{ name: "app", image: "registry.example/app:1" }] },
            },
          },
        },
      }),
    ),
  );
  await inParallel(range(step.pods), 48, async (p) => {
    const a = p % step.allocations;
    const rs = replicaSets[a]!.metadata!;
    await core.createNamespacedPod({
      namespace: NAMESPACE,
      body: {
        metadata: {
          name: `wl-${a}-6b9f7c-${p}`,
          labels: { app: `wl-${a}`, "pod-template-hash": "6b9f7c" },
          ownerReferences: [
            {
              apiVersion: "apps/v1",
              kind: "ReplicaSet",
              name: rs.name!,
              uid: rs.uid!,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: {
          nodeName: nodeName(p % step.nodes),
          automountServiceAccountToken: false,
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: IP_READY_LABEL, operator: "In", values: ["true"] }] }],
              },
            },
          },
          containers: [
            {
              name: "app",
              image: "registry.example/sip-proxy:1.4.2",
              ports: [{ containerPort: 5060, protocol: "UDP" }],
              env: [
                { name: "MODE", value: "edge" },
                { name: "LOG_LEVEL", value: "info" },
              ],
              resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
            },
          ],
        },
      },
    });
  });
  log(`  ${step.pods} pods bound (${took()})`);
  for (const a of range(step.allocations))
    for (const ip of ipsOf(a)) world.reserveAddress({ ip, provider: "gcp", region: REGION });
  await inParallel(range(step.allocations), 16, (a) =>
    createNetIPAllocation(
      custom,
      { name: allocationName(a) },
      {
        reservedIPs: ipsOf(a),
        workloadRef: { kind: "Deployment", name: `wl-${a}`, namespace: NAMESPACE },
        nodeSelector: { pool: `p-${a}` },
        cloud: { provider: "gcp", region: REGION },
      },
    ),
  );
  log(`  ${step.allocations} allocations of ${IPS_PER_ALLOCATION} IPs (${took()})`);
}
