import { CoreV1Api, type KubeConfig, type V1ConfigMap } from "@kubernetes/client-node";
import { Registry } from "prom-client";
import { RecordingKubeConfig, sharedControlPlane, waitFor } from "@ipac/testenv";
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

  function start(
    options: {
      watchTimeoutSeconds?: number;
      registry?: Registry;
      kubeConfig?: KubeConfig;
      labelSelector?: string;
    } = {},
  ) {
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

  it("keeps a quiet watch open until the server ends it (past client-node's 30-s silence abort), then resumes", async () => {
    const kubeConfig = new RecordingKubeConfig(kc);
    // Nothing matches this selector: the watch stays silent.
    const { informer } = start({ kubeConfig, labelSelector: "app=quiet", watchTimeoutSeconds: 40 });
    await informer.synced;
    const syncedAt = Date.now();
    const watches = () => kubeConfig.requests.filter((r) => r.url.searchParams.get("watch") === "true");
    await waitFor("the watch resumed", () => (watches().length >= 2 ? true : undefined), {
      timeoutMs: 90_000,
      intervalMs: 500,
    });
    expect(Date.now() - syncedAt).toBeGreaterThanOrEqual(39_000);
    expect(kubeConfig.requests.filter((r) => r.url.searchParams.has("limit"))).toHaveLength(1);
  });

  it("asks for bookmarks and a server-side timeout of 5 to 10 min, picked at random", async () => {
    const kubeConfig = new RecordingKubeConfig(kc);
    const informers = Array.from({ length: 4 }, () => start({ kubeConfig, labelSelector: "app=quiet" }).informer);
    await Promise.all(informers.map((informer) => informer.synced));
    const watches = await waitFor("the watches", () => {
      const found = kubeConfig.requests.filter((r) => r.url.searchParams.get("watch") === "true");
      return found.length === 4 ? found : undefined;
    });
    const timeouts = watches.map((w) => Number(w.url.searchParams.get("timeoutSeconds")));
    for (const timeout of timeouts) {
      expect(timeout).toBeGreaterThanOrEqual(300);
      expect(timeout).toBeLessThan(600);
    }
    expect(new Set(timeouts).size).toBeGreaterThan(1);
    expect(watches.every((w) => w.url.searchParams.get("allowWatchBookmarks") === "true")).toBe(true);
  });
});
