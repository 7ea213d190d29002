import { KubeConfig, type RequestContext } from "@kubernetes/client-node";

type Dispatcher = NonNullable<ReturnType<RequestContext["getDispatcher"]>>;

/**
 * A kubeconfig whose requests share one connection pool. client-node 2.0 gives every request a new undici Agent
 * when the cluster has TLS settings (always, in a cluster: its CA), so every request opened a TLS connection of its
 * own (handshake, a secure context with the CA parsed, buffers outside the V8 heap) and left it idle until it
 * timed out. Here the first Agent made for a cluster and user is kept and handed to every later request, whose
 * keep-alive connections they reuse; a changed cluster or user (a reloaded kubeconfig) gets a new one.
 */
export class PooledKubeConfig extends KubeConfig {
  private pool?: { key: string; dispatcher: Dispatcher };

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (!fresh) return; // plain HTTP: undici's global pool
    const key = JSON.stringify([this.getCurrentCluster(), this.getCurrentUser()]);
    if (this.pool?.key === key) {
      context.setDispatcher(this.pool.dispatcher); // the fresh Agent never connected: nothing to close
      return;
    }
    void this.pool?.dispatcher.close();
    this.pool = { key, dispatcher: fresh };
  }
}

/**
 * The kubeconfig as client-node loads it (KUBECONFIG, ~/.kube/config, in-cluster), made usable with a plain-HTTP
 * API server URL, as `kubectl proxy` serves: client-node refuses an `http:` server unless its TLS verification is
 * "skipped" ("HTTP protocol is not allowed when skipTLSVerify is not set"), so every list, watch and Lease call
 * failed. There is no TLS to verify on such a connection: saying so changes nothing else.
 */
export function loadKubeConfig(): KubeConfig {
  const kubeConfig = new PooledKubeConfig();
  kubeConfig.loadFromDefault();
  return allowPlainHttp(kubeConfig);
}

export function allowPlainHttp(kubeConfig: KubeConfig): KubeConfig {
  if (!kubeConfig.clusters.some((cluster) => cluster.server.startsWith("http:"))) return kubeConfig;
  kubeConfig.loadFromOptions({
    clusters: kubeConfig.clusters.map((cluster) =>
      cluster.server.startsWith("http:") ? { ...cluster, skipTLSVerify: true } : cluster,
    ),
    users: kubeConfig.users,
    contexts: kubeConfig.contexts,
    currentContext: kubeConfig.currentContext,
  });
  return kubeConfig;
}
