#!/usr/bin/env node
// `make demo`: the whole product on one machine, with no cloud account and no cluster. A local control plane with
// six simulated nodes, the cloud simulator (GCP front) with a matching world, two controller replicas started as
// in production, a sample workload and NetIPAllocation; then a narrated scenario. `--ci` exits non-zero if a step
// does not converge and stops everything at the end.
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createNetIPAllocation, installCRD } from "@ipac/api";
import { gceInstanceKey } from "@ipac/cloud";
import { World } from "@ipac/cloud-sim";
import { ComputeFront } from "@ipac/cloud-sim";
import { SimulatedNodes, controlPlaneBinaries, freePort, run, startControlPlane, waitFor } from "@ipac/testenv";
import { AppsV1Api, CoordinationV1Api, CustomObjectsApi } from "@kubernetes/client-node";

const ci = process.argv.includes("--ci");
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const PROJECT = "demo-project";
const IPS = ["34.120.10.1", "34.120.10.2", "34.120.10.3"];
const NODES = [
  { name: "node-1", zone: "us-west1-a", publicNode: true },
  { name: "node-2", zone: "us-west1-a", publicNode: true },
  { name: "node-3", zone: "us-west1-b", publicNode: true },
  { name: "node-4", zone: "us-west1-b", publicNode: true },
  { name: "node-5", zone: "us-west1-a", publicNode: false },
  { name: "node-6", zone: "us-west1-b", publicNode: false },
];
const LEASE_SECONDS = 6;
const results: { step: string; ok: boolean; seconds: number; detail: string }[] = [];

const say = (text: string) => console.log(`\n\x1b[1m== ${text}\x1b[0m`);
const user = (command: string) => console.log(`\x1b[36m$ ${command}\x1b[0m`);

const started = Date.now();
say("Starting a local Kubernetes control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok)");
const cp = await startControlPlane();
const kc = cp.kubeConfig;
const { kubectl } = await controlPlaneBinaries();
const kube = (...args: string[]) => run(kubectl!, args, cp.kubeconfigPath);
const nodes = new SimulatedNodes(kc);
await nodes.createReady(
  NODES.map((n) => ({
    name: n.name,
    zone: n.zone,
    providerID: `gce://${PROJECT}/${n.zone}/${n.name}`,
    labels: n.publicNode ? { role: "public-node" } : ({} as Record<string, string>),
  })),
);

say("Starting the cloud simulator: a GCP project with six VMs and three reserved static IPs");
const world = new World();
NODES.forEach((n, i) =>
  world.addInstance({
    key: gceInstanceKey(PROJECT, n.zone, n.name),
    provider: "gcp",
    name: n.name,
    zone: n.zone,
    account: PROJECT,
    ephemeralIP: `35.200.0.${i + 1}`,
  }),
);
for (const ip of IPS)
  world.reserveAddress({ ip, provider: "gcp", region: "us-west1", name: `web-${ip.split(".").pop()}` });
const front = new ComputeFront(world, PROJECT);
const OPERATION_MS = 500; // realistic enough to see, short enough to wait for
front.faults.operationDuration({ minMs: OPERATION_MS });
const { host, port } = await front.listen();
const endpoint = `http://${host}:${port}`;
console.log(`GCP Compute API and metadata server: ${endpoint} (each zonal Operation takes ${OPERATION_MS} ms)`);

say("Starting two controller replicas, exactly as production starts them");
await installCRD(kc);
const replicas = new Map<string, { child: ChildProcess; port: number; exited: Promise<unknown> }>();
async function startReplica(name: string) {
  const metricsPort = await freePort();
  const env = {
    ...process.env,
    KUBECONFIG: cp.kubeconfigPath,
    POD_NAME: name,
    LEASE_NAME: "ip-address-controller-leader",
    LEASE_NAMESPACE: "default",
    LEASE_DURATION: String(LEASE_SECONDS),
    METRICS_PORT: String(metricsPort),
    GCE_METADATA_HOST: `${host}:${port}`,
    GCP_COMPUTE_ENDPOINT: endpoint,
    GOOGLE_APPLICATION_CREDENTIALS: "",
    LOG_LEVEL: "error",
  };
  const child = spawn("node", [join(root, "packages/controller/dist/main.js")], {
    env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  replicas.set(name, { child, port: metricsPort, exited: new Promise((r) => child.once("exit", r)) });
  console.log(`${name}: node packages/controller/dist/main.js (metrics http://127.0.0.1:${metricsPort}/metrics)`);
}
await startReplica("controller-a");
await startReplica("controller-b");

const custom = kc.makeApiClient(CustomObjectsApi);
const leader = async () =>
  (
    await kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: "ip-address-controller-leader", namespace: "default" })
      .catch(() => undefined)
  )?.spec?.holderIdentity?.split("_")[0];

console.log(
  `${await waitFor("a leader", leader, { timeoutMs: 60_000 })} holds the lease (the other one waits as a warm standby)`,
);

say("Applying a sample Deployment (pods require ip.ready=true) and a NetIPAllocation with three IPs");
user("kubectl apply -f deploy/crds/ && kubectl apply -f sample.yaml");
await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
  namespace: "default",
  body: {
    metadata: { name: "sip-proxy" },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "sip-proxy" } },
      template: {
        metadata: { labels: { app: "sip-proxy" } },
        spec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: "ip.ready", operator: "In", values: ["true"] }] }],
              },
            },
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "sip-proxy" } } },
              ],
            },
          },
          containers: [{ name: "proxy", image: "registry.example/sip-proxy:1" }],
        },
      },
    },
  },
});
const allocationCreatedAt = Date.now();
await createNetIPAllocation(
  custom,
  { name: "sip-edge" },
  {
    reservedIPs: IPS,
    workloadRef: { kind: "Deployment", name: "sip-proxy", namespace: "default" },
    nodeSelector: { role: "public-node" },
    cloud: { provider: "gcp", region: "us-west1" },
    notReadyGracePeriodSeconds: 5,
  },
);

const holders = () => Object.fromEntries(IPS.map((ip) => [ip, world.holderOf(ip)?.name]));
/** Every IP on its own node, and exactly those nodes labelled ip.ready=true: the controller's part done. */
async function attachedAndLabelled(): Promise<string[] | undefined> {
  const names = Object.values(holders());
  if (names.some((n) => !n) || new Set(names).size !== names.length) return undefined;
  const labelled = (await kube("get", "nodes", "-l", "ip.ready=true", "-o", "name"))
    .trim()
    .split("\n")
    .map((l) => l.replace("node/", ""))
    .sort();
  return labelled.join() === [...(names as string[])].sort().join() ? (names as string[]) : undefined;
}

async function converged(): Promise<Record<string, string> | undefined> {
  const names = await attachedAndLabelled();
  if (!names) return undefined;
  const h = holders();
  const running = JSON.parse(await kube("get", "pods", "-l", "app=sip-proxy", "-o", "json")).items.filter(
    (p: { status: { phase: string }; metadata: { deletionTimestamp?: string } }) =>
      p.status.phase === "Running" && !p.metadata.deletionTimestamp,
  ) as { spec: { nodeName: string } }[];
  if (running.length !== 3 || running.some((p) => !names.includes(p.spec.nodeName))) return undefined;
  return h as Record<string, string>;
}

async function step(
  title: string,
  action: () => Promise<string | void>,
  until: () => Promise<unknown>,
  timeoutMs = 90_000,
) {
  say(title);
  const t0 = Date.now();
  let ok = true;
  let detail: string;
  try {
    detail = (await action()) ?? "";
    await waitFor(title, until, { timeoutMs, intervalMs: 200 });
  } catch (error) {
    ok = false;
    detail = error instanceof Error ? error.message : String(error);
  }
  const seconds = (Date.now() - t0) / 1000;
  results.push({ step: title, ok, seconds, detail });
  user("kubectl get netipallocations");
  console.log(await kube("get", "netipallocations", "-o", "wide"));
  user("kubectl get nodes -L ip.ready,role,topology.kubernetes.io/zone");
  console.log(await kube("get", "nodes", "-L", "ip.ready,role,topology.kubernetes.io/zone"));
  const events = JSON.parse(
    await kube("get", "events", "--field-selector", "involvedObject.name=sip-edge", "-o", "json"),
  ).items as {
    type: string;
    reason: string;
    message: string;
  }[];
  console.log("Recent events:");
  for (const e of events.slice(-4)) console.log(`  ${e.type.padEnd(8)}${e.reason.padEnd(14)}${e.message}`);
  console.log(`Simulator (who holds which IP): ${JSON.stringify(holders())}`);
  console.log(
    `${ok ? "\x1b[32m✔" : "\x1b[31m✘"} ${title}: ${seconds.toFixed(1)} s\x1b[0m ${ok ? detail : `— ${detail}`}`,
  );
}

await step(
  "1. IPs attached to eligible nodes, nodes labelled ip.ready=true, pods scheduled there",
  async () => {
    await waitFor("IPs attached and labelled", attachedAndLabelled, { timeoutMs: 60_000, intervalMs: 100 });
    const seconds = (Date.now() - allocationCreatedAt) / 1000;
    return `IPs attached and nodes labelled ${seconds.toFixed(1)} s after the allocation was created; the pods, unschedulable until then, follow when the scheduler retries them`;
  },
  converged,
);

let drained = "";
await step(
  "2. kubectl cordon + kubectl drain of a node holding an IP: the IP moves and the pods follow",
  async () => {
    drained = Object.values(holders())[0]!;
    user(`kubectl cordon ${drained} && kubectl drain ${drained} --ignore-daemonsets`);
    await kube("cordon", drained);
    await kube("drain", drained, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=90s");
    return `drained ${drained}`;
  },
  async () => (!Object.values(holders()).includes(drained) ? converged() : undefined),
);
await kube("uncordon", drained);

let killed = "";
await step(
  "3. The leader process is killed: the standby takes over",
  async () => {
    killed = (await waitFor("a leader", leader))!;
    user(`kill -9 <pid of ${killed}>`);
    replicas.get(killed)!.child.kill("SIGKILL");
    return `killed ${killed}`;
  },
  async () => {
    const now = await leader();
    return now && now !== killed ? true : undefined;
  },
);
console.log(`${killed} is restarted, as Kubernetes restarts a killed pod; it now stands by:`);
await startReplica(killed);

let failed = "";
let ipMovedAfter = 0;
await step(
  "4. A node holding an IP fails (no more heartbeats): its IP moves after the grace period",
  async () => {
    failed = Object.values(holders()).find((n) => n !== drained) ?? Object.values(holders())[0]!;
    user(`# ${failed} stops answering (simulated kubelet stopped)`);
    const failedAt = Date.now();
    await nodes.fail(failed);
    void waitFor(
      "IP moved off the failed node",
      () => (!Object.values(holders()).includes(failed) ? true : undefined),
      {
        timeoutMs: 90_000,
      },
    ).then(
      () => (ipMovedAfter = (Date.now() - failedAt) / 1000),
      () => undefined,
    );
    return `failed ${failed}`;
  },
  async () => (!Object.values(holders()).includes(failed) ? converged() : undefined),
);
console.log(
  `The IP left ${failed} ${ipMovedAfter.toFixed(1)} s after its heartbeats stopped (node-monitor grace 5 s + allocation grace 5 s + the zonal Operation that deletes its access config); the rest is the pods being evicted from the dead node and rescheduled.`,
);

say("Summary");
console.table(
  results.map((r) => ({ step: r.step, result: r.ok ? "converged" : "FAILED", seconds: r.seconds.toFixed(1) })),
);
console.log(
  `demo: ${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length} failed (total ${((Date.now() - started) / 1000).toFixed(0)} s)`,
);
if (world.ipsOnTwoInstances().length > 0) {
  console.log(`SAFETY VIOLATION: ${world.ipsOnTwoInstances().join(", ")} on two instances`);
  results.push({ step: "safety", ok: false, seconds: 0, detail: "IP on two instances" });
}

async function shutdown(code: number): Promise<never> {
  for (const { child } of replicas.values()) child.kill("SIGTERM");
  await Promise.all([...replicas.values()].map((r) => r.exited));
  await front.close();
  await cp.stop();
  process.exit(code);
}

const allOk = results.every((r) => r.ok);
if (ci) await shutdown(allOk ? 0 : 1);
console.log(
  `\nEverything keeps running. Try it yourself:\n  export KUBECONFIG=${cp.kubeconfigPath}\n  ${kubectl} get netipallocations`,
);
for (const [name, r] of replicas)
  if (r.child.exitCode === null && r.child.signalCode === null)
    console.log(`  metrics of ${name}: http://127.0.0.1:${r.port}/metrics`);
console.log("Press Ctrl-C to stop everything.");
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
