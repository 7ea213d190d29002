import type { CloudProviderName } from "@ipac/api";
import type { CloudProvider } from "@ipac/cloud";
import { AwsCloudProvider } from "@ipac/cloud-aws";
import { AzureCloudProvider } from "@ipac/cloud-azure";
import { GcpCloudProvider } from "@ipac/cloud-gcp";
import type { Logger } from "pino";

/**
 * The cloud adapters this build carries, created on first use, each with its ecosystem's credentials:
 * - gcp: Application Default Credentials (GKE Workload Identity, GOOGLE_APPLICATION_CREDENTIALS); project from
 *   GOOGLE_CLOUD_PROJECT or the credentials; GCP_COMPUTE_ENDPOINT (e.g. https://compute.internal:443) overrides
 *   the API endpoint for private endpoints and tests.
 * - aws: the SDK's default chain (IRSA, EKS Pod Identity, instance profile, env); AWS_REGION, AWS_ENDPOINT_URL_EC2.
 * - azure: DefaultAzureCredential (Workload Identity, managed identity, env); AZURE_SUBSCRIPTION_ID,
 *   AZURE_RESOURCE_MANAGER_ENDPOINT.
 */
export function cloudProviderFactory(logger: Logger): (provider: CloudProviderName) => CloudProvider | undefined {
  const providers = new Map<CloudProviderName, CloudProvider | undefined>();
  return (provider) => {
    if (!providers.has(provider)) {
      try {
        providers.set(provider, create(provider, logger));
      } catch (error) {
        // e.g. no credentials configured: the allocation reports a CloudError naming the missing adapter.
        logger.error(
          { provider, err: error instanceof Error ? error.message : String(error) },
          "cannot create the cloud adapter",
        );
        providers.set(provider, undefined);
      }
    }
    return providers.get(provider);
  };
}

function create(provider: CloudProviderName, logger: Logger): CloudProvider {
  const env = process.env;
  switch (provider) {
    case "aws":
      return new AwsCloudProvider({ ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}) });
    case "gcp": {
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
          logger.warn({ provider, err: error.message, kind: "kind" in error ? error.kind : error.name }, what),
      });
    }
    case "azure":
      return new AzureCloudProvider();
  }
}
