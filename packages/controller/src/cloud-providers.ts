import type { CloudProviderName } from "@ipac/api";
import { CloudError, type CloudProvider } from "@ipac/cloud";
import type { Logger } from "pino";

/** What the controller must know of an adapter before its SDK is loaded, and how to load and create it. */
interface AdapterEntry {
  supportsAtomicReassociate: boolean;
  restoresExternalIP: boolean;
  create(logger: Logger): Promise<CloudProvider>;
}

/**
 * The cloud adapters this build carries, each with its ecosystem's credentials. Each SDK is imported only when
 * an adapter of its cloud is first used (100–200 MB of resident memory per SDK: a cluster pays only for its cloud).
 * - gcp: Application Default Credentials (GKE Workload Identity, GOOGLE_APPLICATION_CREDENTIALS); project from
 *   GOOGLE_CLOUD_PROJECT or the credentials; GCP_COMPUTE_ENDPOINT (e.g. https://compute.internal:443) overrides
 *   the API endpoint for private endpoints and tests.
 * - aws: the SDK's default chain (IRSA, EKS Pod Identity, instance profile, env); AWS_REGION, AWS_ENDPOINT_URL_EC2.
 * - azure: DefaultAzureCredential (Workload Identity, managed identity, env); AZURE_SUBSCRIPTION_ID,
 *   AZURE_RESOURCE_MANAGER_ENDPOINT.
 */
export const ADAPTERS: Record<CloudProviderName, AdapterEntry> = {
  gcp: {
    supportsAtomicReassociate: false,
    restoresExternalIP: true,
    async create(logger) {
      const { GcpCloudProvider } = await import("@ipac/cloud-gcp");
      const env = process.env;
      const endpoint = env.GCP_COMPUTE_ENDPOINT ? new URL(env.GCP_COMPUTE_ENDPOINT) : undefined;
      const clientOptions = endpoint
        ? {
            apiEndpoint: endpoint.hostname,
            port: Number(endpoint.port || (endpoint.protocol === "http:" ? 80 : 443)),
            protocol: endpoint.protocol.replace(":", ""),
          }
        : {};
      return new GcpCloudProvider({
        ...(env.GOOGLE_CLOUD_PROJECT ? { project: env.GOOGLE_CLOUD_PROJECT } : {}),
        clientOptions,
        onBackgroundError: (error, what) =>
          logger.warn({ provider: "gcp", err: error.message, kind: "kind" in error ? error.kind : error.name }, what),
      });
    },
  },
  aws: {
    supportsAtomicReassociate: true,
    restoresExternalIP: false,
    async create() {
      const { AwsCloudProvider } = await import("@ipac/cloud-aws");
      return new AwsCloudProvider({ ...(process.env.AWS_REGION ? { region: process.env.AWS_REGION } : {}) });
    },
  },
  azure: {
    supportsAtomicReassociate: false,
    restoresExternalIP: false,
    async create() {
      const { AzureCloudProvider } = await import("@ipac/cloud-azure");
      return new AzureCloudProvider();
    },
  },
};

/**
 * One adapter per cloud, created on first use. What is returned at once is a stand-in whose calls wait for the
 * SDK to load (the first caller starts the load: the warm-up, before a replica campaigns, or when an allocation of
 * a new cloud appears); a failed creation (e.g. no subscription configured) fails every call with InvalidInput.
 */
export function cloudProviderFactory(
  logger: Logger,
  adapters: Record<CloudProviderName, AdapterEntry> = ADAPTERS,
): (provider: CloudProviderName) => CloudProvider {
  const providers = new Map<CloudProviderName, CloudProvider>();
  return (provider) => {
    let lazy = providers.get(provider);
    if (!lazy) {
      lazy = lazyProvider(provider, adapters[provider], logger);
      providers.set(provider, lazy);
    }
    return lazy;
  };
}

function lazyProvider(name: CloudProviderName, entry: AdapterEntry, logger: Logger): CloudProvider {
  let loading: Promise<CloudProvider> | undefined;
  const adapter = () =>
    (loading ??= (async () => {
      const started = performance.now();
      try {
        const created = await entry.create(logger);
        if (created.supportsAtomicReassociate !== entry.supportsAtomicReassociate)
          throw new Error(`its supportsAtomicReassociate is not ${entry.supportsAtomicReassociate} as assumed`);
        if ((created.restoreExternalIP !== undefined) !== entry.restoresExternalIP)
          throw new Error(`it ${entry.restoresExternalIP ? "lacks" : "has"} restoreExternalIP, unlike assumed`);
        logger.info({ provider: name, ms: Math.round(performance.now() - started) }, "cloud SDK loaded");
        return created;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        logger.error({ provider: name, err: message }, "cannot create the cloud adapter");
        throw new CloudError("InvalidInput", `cannot create the ${name} cloud adapter: ${message}`, {
          provider: name,
          cause: error,
        });
      }
    })());
  return {
    name,
    supportsAtomicReassociate: entry.supportsAtomicReassociate,
    describeAddresses: async (scope, ips) => (await adapter()).describeAddresses(scope, ips),
    attach: async (scope, ip, instance, options) => (await adapter()).attach(scope, ip, instance, options),
    detach: async (scope, ip, instance, options) => (await adapter()).detach(scope, ip, instance, options),
    ...(entry.restoresExternalIP
      ? {
          restoreExternalIP: async (scope, instance, options) =>
            (await adapter()).restoreExternalIP?.(scope, instance, options) ?? false,
        }
      : {}),
  };
}
