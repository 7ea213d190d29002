import { CoreV1Api, type KubeConfig, type V1ConfigMap } from "@kubernetes/client-node";
import { Registry } from "prom-client";
import { sharedControlPlane, waitFor } from "@ipac/testenv";
import { Informer, type InformerEvent } from "./informer.js";

describe("Informer against a real apiserver", () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  const namespace = `inf-${Date.now().toString(36)}`;
  const informers: Informer<V1ConfigMap>[] = [];

  beforeAll(async () => {
    kc = (await sharedControlPlane()).kubeConfig;
    core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });

  afterAll(async () => {
    await Promise.all(informers.map((i) => i.stop()));
  });

  const create = (name: string, data: Record<string, string>) =>
    core.createNamespacedConfigMap({ namespace, body: { metadata: { name, labels: { app: "inf" } }, data } });

  function start(options: { watchTimeoutSeconds?: number; registry?: Registry } = {}) {
    const informer = new Informer<V1ConfigMap>({
      kubeConfig: kc,
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      resource: "configmaps",
      labelSelector: "app=inf",
      pageSize: 2,
      transform: (cm) => ({ metadata: cm.metadata, data: { keep: cm.data?.keep ?? "" } }),
      ...options,
    });
    informers.push(informer);
    const events: InformerEvent<V1ConfigMap>[] = [];
    informer.events$.subscribe((e) => events.push(e));
    informer.start();
    return { informer, events };
  }

  it("lists in pages, caches trimmed objects, and streams add/update/delete", async () => {
    await Promise.all(["a", "b", "c"].map((n) => create(n, { keep: n, drop: "x".repeat(100) })));
    const { informer, events } = start();
    await informer.synced;
    expect(informer.store.size).toBe(3);
    expect(informer.store.get(`${namespace}/a`)?.data).toEqual({ keep: "a" });
    await create("d", { keep: "d" });
    await core.patchNamespacedConfigMap({
      name: "a",
      namespace,
      body: [{ op: "replace", path: "/data/keep", value: "a2" }],
    });
    await core.deleteNamespacedConfigMap({ name: "b", namespace });
    await waitFor("events", () => (events.length >= 6 ? true : undefined));
    expect(events.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual([
      "add a",
      "add b",
      "add c",
      "add d",
      "update a",
      "delete b",
    ]);
    expect(events[4]?.old?.data).toEqual({ keep: "a" });
    expect(informer.store.get(`${namespace}/a`)?.data).toEqual({ keep: "a2" });
    expect(informer.store.get(`${namespace}/b`)).toBeUndefined();
  });

  it("keeps going across watch ends without losing an event", async () => {
    const registry = new Registry();
    const { informer } = start({ watchTimeoutSeconds: 1, registry });
    await informer.synced;
    for (let i = 0; i < 6; i++) {
      await create(`burst-${i}`, { keep: String(i) });
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    await waitFor("all burst objects cached", () =>
      [0, 1, 2, 3, 4, 5].every((i) => informer.store.get(`${namespace}/burst-${i}`)) ? true : undefined,
    );
    const text = await registry.metrics();
    expect(text).toContain('informer_relists_total{resource="configmaps"} 1');
    expect(text).toMatch(/informer_store_objects\{resource="configmaps"\} \d+/);
  });
});
