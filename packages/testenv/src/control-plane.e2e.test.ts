import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1Node,
} from "@kubernetes/client-node";
import { sharedControlPlane, type SharedControlPlane } from "./shared.js";
import { SimulatedNodes } from "./nodes.js";
import { controlPlaneBinaries } from "./binaries.js";
import { waitFor } from "./wait.js";

// Proof that the local control plane is a real Kubernetes: CRDs, scheduling, kubelets (kwok), kubectl drain,
// and the node-lifecycle controller marking a failed node and tainting it.
describe("local control plane", () => {
  let cp: SharedControlPlane;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let nodes: SimulatedNodes;
  const prefix = `proof-${Date.now().toString(36)}`;
  const nodeNames = [0, 1, 2].map((i) => `${prefix}-node-${i}`);

  beforeAll(async () => {
    cp = await sharedControlPlane();
    kc = cp.kubeConfig;
    core = kc.makeApiClient(CoreV1Api);
    nodes = new SimulatedNodes(kc);
    await nodes.createReady(
      nodeNames.map((name, i) => ({
        name,
        zone: `zone-${i % 2}`,
        providerID: `gce://proj/zone-${i % 2}/${name}`,
        labels: { proof: prefix },
      })),
    );
  });

  it("serves a CRD and its custom objects", async () => {
    const group = `${prefix}.example.com`;
    await kc.makeApiClient(ApiextensionsV1Api).createCustomResourceDefinition({
      body: {
        metadata: { name: `widgets.${group}` },
        spec: {
          group,
          scope: "Cluster",
          names: { plural: "widgets", singular: "widget", kind: "Widget" },
          versions: [
            {
              name: "v1",
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: "object",
                  properties: { spec: { type: "object", properties: { size: { type: "integer", minimum: 1 } } } },
                },
              },
            },
          ],
        },
      },
    });
    const custom = kc.makeApiClient(CustomObjectsApi);
    const created = await waitFor("the Widget CRD to serve", () =>
      custom.createClusterCustomObject({
        group,
        version: "v1",
        plural: "widgets",
        body: { apiVersion: `${group}/v1`, kind: "Widget", metadata: { name: "w1" }, spec: { size: 3 } },
      }),
    );
    expect(created).toMatchObject({ spec: { size: 3 } });
    // The schema is enforced by the real apiserver.
    await expect(
      custom.createClusterCustomObject({
        group,
        version: "v1",
        plural: "widgets",
        body: { apiVersion: `${group}/v1`, kind: "Widget", metadata: { name: "w2" }, spec: { size: 0 } },
      }),
    ).rejects.toMatchObject({ code: 422 });
  });

  it("schedules a Deployment's pods onto simulated nodes, where they run", async () => {
    const namespace = prefix;
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await waitFor("default ServiceAccount", () => core.readNamespacedServiceAccount({ name: "default", namespace }));
    await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: "web" },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: {
              nodeSelector: { proof: prefix },
              containers: [{ name: "web", image: "nginx" }],
            },
          },
        },
      },
    });
    const running = await waitFor("3 running pods", async () => {
      const pods = await core.listNamespacedPod({ namespace, labelSelector: "app=web" });
      const ok = pods.items.filter((p) => p.status?.phase === "Running" && nodeNames.includes(p.spec?.nodeName ?? ""));
      return ok.length === 3 ? ok : undefined;
    });
    expect(running.every((p) => p.status?.podIP)).toBe(true);
  });

  it("cordons and drains a node with kubectl", async () => {
    const { kubectl } = await controlPlaneBinaries();
    if (!kubectl) throw new Error("kubectl was not built");
    const target = nodeNames[0]!;
    const run = (...args: string[]) =>
      promisify(execFile)(kubectl, args, { env: { ...process.env, KUBECONFIG: cp.kubeconfigPath } });
    await run("cordon", target);
    expect((await core.readNode({ name: target })).spec?.unschedulable).toBe(true);
    await run("drain", target, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=60s");
    const left = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${target}` });
    expect(left.items.filter((p) => !p.metadata?.deletionTimestamp)).toHaveLength(0);
    // The Deployment recreates the evicted pods on the remaining nodes.
    await waitFor("pods rescheduled", async () => {
      const pods = await core.listNamespacedPod({ namespace: prefix, labelSelector: "app=web" });
      const ok = pods.items.filter((p) => p.status?.phase === "Running" && p.spec?.nodeName !== target);
      return ok.length === 3 ? true : undefined;
    });
    await run("uncordon", target);
  });

  it("turns a failed node NotReady and taints it unreachable", async () => {
    const target = nodeNames[2]!;
    await nodes.fail(target);
    const failed: V1Node = await waitFor(
      "unreachable taint",
      async () => {
        const node = await core.readNode({ name: target });
        return node.spec?.taints?.some((t) => t.key === "node.kubernetes.io/unreachable") ? node : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(failed.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("Unknown");
    await nodes.recover(target);
    await nodes.waitForReady(target, "True");
  });
});
