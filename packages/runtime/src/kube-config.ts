import { KubeConfig } from "@kubernetes/client-node";

/**
 * The kubeconfig as client-node loads it (KUBECONFIG, ~/.kube/config, in-cluster), made usable with a plain-HTTP
 * API server URL, as `kubectl proxy` serves: client-node refuses an `http:` server unless its TLS verification is
 * "skipped" ("HTTP protocol is not allowed when skipTLSVerify is not set"), so every list, watch and Lease call
 * failed. There is no TLS to verify on such a connection: saying so changes nothing else.
 */
export function loadKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
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
