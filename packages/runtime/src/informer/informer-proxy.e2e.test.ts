import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { CoreV1Api, KubeConfig, type V1ConfigMap } from "@kubernetes/client-node";
import { controlPlaneBinaries, freePort, sharedControlPlane, waitFor } from "@ipac/testenv";
import { allowPlainHttp } from "../kube-config.js";
import { Informer } from "./informer.js";

// A controller run from a laptop through `kubectl proxy` reaches the API server at a plain-HTTP URL.
describe("informers through kubectl proxy (plain HTTP)", () => {
  const namespace = `proxy-${Date.now().toString(36)}`;
  let proxy: ChildProcess;
  let server = "";
  const informers: Informer<V1ConfigMap>[] = [];

  beforeAll(async () => {
    const cp = await sharedControlPlane();
    await cp.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    const port = await freePort();
    proxy = spawn(
      (await controlPlaneBinaries()).kubectl!,
      ["proxy", `--port=${port}`, "--address=127.0.0.1", `--kubeconfig=${cp.kubeconfigPath}`],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const [line] = (await once(proxy.stdout!, "data")) as [Buffer];
    expect(line.toString()).toMatch(/Starting to serve on 127.0.0.1:\d+/);
    server = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await Promise.all(informers.map((i) => i.stop()));
    proxy.kill("SIGTERM");
  });

  /** A kubeconfig as one writes it for `kubectl proxy`: the URL and no credentials. */
  const proxyKubeConfig = () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "proxy", server }],
      users: [{ name: "proxy" }],
      contexts: [{ name: "proxy", cluster: "proxy", user: "proxy" }],
      currentContext: "proxy",
    });
    return kc;
  };

  const start = (kubeConfig: KubeConfig, errors: string[]) => {
    const informer = new Informer<V1ConfigMap>({
      kubeConfig,
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      resource: "configmaps",
      onError: (error) => errors.push(error instanceof Error ? error.message : String(error)),
    });
    informers.push(informer);
    informer.start();
    return informer;
  };

  it("reports why a plain-HTTP kubeconfig fails as client-node loads it (every list is refused)", async () => {
    const errors: string[] = [];
    const informer = start(proxyKubeConfig(), errors);
    await waitFor("an informer error", () => (errors.length >= 2 ? true : undefined));
    expect(errors[0]).toMatch(/HTTP protocol is not allowed when skipTLSVerify is not set/);
    expect(informer.hasSynced).toBe(false);
  });

  it("syncs, and streams changes through the proxy's watch, with the kubeconfig made usable", async () => {
    const kc = allowPlainHttp(proxyKubeConfig());
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: "before" } } });
    const errors: string[] = [];
    const informer = start(kc, errors);
    await informer.synced;
    expect(informer.store.get(`${namespace}/before`)).toBeDefined();
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: "after" }, data: { a: "1" } } });
    await waitFor("watch event through the proxy", () => informer.store.get(`${namespace}/after`));
    expect(errors).toEqual([]);
  });
});
