import { HttpMethod, RequestContext } from "@kubernetes/client-node";
import { PooledKubeConfig } from "./kube-config.js";

const CA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");

function kubeConfig(server: string, token = "t"): PooledKubeConfig {
  const kc = new PooledKubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server, caData: CA }],
    users: [{ name: "u", token }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
}

async function dispatcherOf(kc: PooledKubeConfig) {
  const context = new RequestContext("https://127.0.0.1:6443/api/v1/nodes", HttpMethod.GET);
  await kc.applySecurityAuthentication(context);
  return context;
}

describe("PooledKubeConfig", () => {
  it("gives every request of one cluster and user the same connection pool (client-node makes one per request)", async () => {
    const kc = kubeConfig("https://127.0.0.1:6443");
    const [a, b] = [await dispatcherOf(kc), await dispatcherOf(kc)];
    expect(a.getDispatcher()).toBeDefined();
    expect(b.getDispatcher()).toBe(a.getDispatcher());
    expect(b.getHeaders().Authorization).toBe("Bearer t");
  });

  it("starts a new pool once the cluster or user changed (a reloaded kubeconfig)", async () => {
    const kc = kubeConfig("https://127.0.0.1:6443");
    const before = (await dispatcherOf(kc)).getDispatcher();
    kc.loadFromOptions({ ...kubeConfig("https://127.0.0.1:6443", "rotated") });
    const after = await dispatcherOf(kc);
    expect(after.getDispatcher()).not.toBe(before);
    expect(after.getHeaders().Authorization).toBe("Bearer rotated");
  });
});
