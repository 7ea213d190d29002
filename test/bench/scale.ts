// Scale figures without a cluster: the controller's trimmed, indexed caches filled with 5,000 nodes, 100,000 pods
// (500 Deployments) and 500 allocations, then one full pass of gather-from-cache + decide over all allocations.
// Usage: node --expose-gc test/dist/bench/scale.js
import { validateSpec } from "@ipac/api";
import { gceInstanceKey } from "@ipac/cloud";
import {
  ClusterCache,
  decide,
  nodeView,
  podView,
  trimNode,
  trimPod,
  trimReplicaSet,
  workloadKey,
} from "@ipac/controller";
import { KubeConfig, type V1Node, type V1Pod, type V1ReplicaSet } from "@kubernetes/client-node";

const NODES = 5_000;
const DEPLOYMENTS = 500;
const PODS_PER_DEPLOYMENT = 200;
const POOLS = 50;

const gc = () => (globalThis as { gc?: () => void }).gc?.();
const heapMiB = () => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const kc = new KubeConfig();
kc.loadFromOptions({
  clusters: [{ name: "c", server: "https://127.0.0.1:1" }],
  users: [{ name: "u" }],
  contexts: [{ name: "x", cluster: "c", user: "u" }],
  currentContext: "x",
});
const cache = new ClusterCache(kc);
const before = heapMiB();

// Objects as the API server sends them (with the fields the transforms drop), trimmed on the way in.
const bulky = {
  managedFields: Array.from({ length: 4 }, () => ({
    manager: "kubelet",
    operation: "Update",
    fieldsV1: { "f:status": { "f:conditions": {} } },
  })),
};
for (let i = 0; i < NODES; i++) {
  const zone = `us-west1-${"abc"[i % 3]}`;
  const node: V1Node = {
    metadata: {
      name: `node-${i}`,
      uid: `n${i}`,
      resourceVersion: "1",
      creationTimestamp: new Date(0),
      labels: { pool: `p${i % POOLS}`, "topology.kubernetes.io/zone": zone, "kubernetes.io/hostname": `node-${i}` },
      annotations: { "node.alpha.kubernetes.io/ttl": "0", big: "x".repeat(500) },
      ...bulky,
    },
    spec: { providerID: `gce://proj/${zone}/node-${i}` },
    status: {
      conditions: ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"].map((type) => ({
        type,
        status: type === "Ready" ? "True" : "False",
        lastTransitionTime: new Date(0),
        reason: "KubeletReady",
        message: "kubelet is posting ready status",
      })),
      images: Array.from({ length: 20 }, (_, k) => ({ names: [`registry.example/image-${k}:v1`], sizeBytes: 1e8 })),
      nodeInfo: {
        architecture: "amd64",
        bootID: "b",
        containerRuntimeVersion: "containerd://1.7",
        kernelVersion: "6.1",
        kubeProxyVersion: "v1.34.4",
        kubeletVersion: "v1.34.4",
        machineID: "m",
        operatingSystem: "linux",
        osImage: "COS",
        systemUUID: "s",
      },
    },
  };
  cache.nodes.store.upsert(trimNode(node));
}
const afterNodes = heapMiB();
for (let d = 0; d < DEPLOYMENTS; d++) {
  const rs: V1ReplicaSet = {
    metadata: {
      name: `web-${d}-abc`,
      namespace: "default",
      uid: `rs${d}`,
      resourceVersion: "1",
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "Deployment", name: `web-${d}`, uid: `d${d}`, controller: true },
      ],
      ...bulky,
    },
  };
  cache.replicaSets.store.upsert(trimReplicaSet(rs));
  for (let p = 0; p < PODS_PER_DEPLOYMENT; p++) {
    const pod: V1Pod = {
      metadata: {
        name: `web-${d}-abc-${p}`,
        namespace: "default",
        uid: `p${d}-${p}`,
        resourceVersion: "1",
        labels: { app: `web-${d}` },
        ownerReferences: [
          { apiVersion: "apps/v1", kind: "ReplicaSet", name: `web-${d}-abc`, uid: `rs${d}`, controller: true },
        ],
        ...bulky,
      },
      spec: {
        nodeName: `node-${(d * 7 + p) % NODES}`,
        containers: [
          {
            name: "app",
            image: "registry.example/app:1",
            env: Array.from({ length: 10 }, (_, k) => ({ name: `VAR_${k}`, value: "v".repeat(40) })),
          },
        ],
      },
      status: { phase: "Running", podIP: "10.0.0.1", conditions: [{ type: "Ready", status: "True" }] },
    };
    cache.pods.store.upsert(trimPod(pod));
  }
}
const afterPods = heapMiB();

// One pass over 500 allocations: gather from the caches (as the reconciler does) and decide.
const started = performance.now();
let actions = 0;
for (let a = 0; a < DEPLOYMENTS; a++) {
  const spec = validateSpec({
    reservedIPs: Array.from({ length: 5 }, (_, k) => `34.${Math.floor(a / 250)}.${a % 250}.${k + 1}`),
    workloadRef: { kind: "Deployment", name: `web-${a}`, namespace: "default" },
    nodeSelector: { pool: `p${a % POOLS}` },
    cloud: { provider: "gcp", region: "us-west1" },
  });
  if (!spec.valid) throw new Error(spec.errors.join());
  const nodes = cache.nodesMatching(spec.spec.nodeSelector).map((n) => nodeView(n, "gcp"));
  const pods = cache.workloadPods(workloadKey("Deployment", "default", `web-${a}`)).map(podView);
  const observations = new Map(
    spec.spec.reservedIPs.map((ip, k) => [
      ip,
      {
        ip,
        reserved: true,
        ...(k < 3
          ? { holder: { key: gceInstanceKey("proj", nodes[k]!.zone!, nodes[k]!.name), name: nodes[k]!.name } }
          : {}),
      },
    ]),
  );
  const output = decide({
    now: Date.now(),
    allocation: { name: `alloc-${a}`, generation: 1, createdAt: a, deleting: false, paused: false },
    spec,
    dryRun: false,
    supportsAtomicReassociate: false,
    nodes,
    pods,
    others: [],
    occupiedByOthers: new Map(),
    holdingOtherStaticIPs: new Set<string>(),
    observations: { ok: true, addresses: observations },
  });
  actions += output.actions.length;
}
const passMs = performance.now() - started;

console.table([
  {
    what: `${NODES} nodes in the trimmed, indexed cache`,
    value: `${(afterNodes - before).toFixed(1)} MiB (${(((afterNodes - before) * 2 ** 20) / NODES).toFixed(0)} B/node)`,
  },
  {
    what: `${DEPLOYMENTS * PODS_PER_DEPLOYMENT} pods + ${DEPLOYMENTS} ReplicaSets`,
    value: `${(afterPods - afterNodes).toFixed(1)} MiB (${(((afterPods - afterNodes) * 2 ** 20) / (DEPLOYMENTS * PODS_PER_DEPLOYMENT)).toFixed(0)} B/pod)`,
  },
  {
    what: `gather + decide for ${DEPLOYMENTS} allocations (100 nodes, 200 pods each)`,
    value: `${passMs.toFixed(0)} ms (${(passMs / DEPLOYMENTS).toFixed(2)} ms each, ${actions} actions)`,
  },
]);
