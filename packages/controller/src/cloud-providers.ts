import type { CloudProviderName } from "@ipac/api";
import type { CloudProvider } from "@ipac/cloud";
import { AwsCloudProvider } from "@ipac/cloud-aws";
import type { Logger } from "pino";

/**
 * The cloud adapters this build carries, created on first use. AWS uses the SDK's default credential chain and
 * honours AWS_REGION and AWS_ENDPOINT_URL_EC2. The GCP and Azure adapters are not built yet: their allocations
 * report a CloudError condition naming the missing adapter, and nothing is touched.
 */
export function cloudProviderFactory(logger: Logger): (provider: CloudProviderName) => CloudProvider | undefined {
  const providers = new Map<CloudProviderName, CloudProvider | undefined>();
  return (provider) => {
    if (!providers.has(provider)) {
      const created =
        provider === "aws"
          ? new AwsCloudProvider({ ...(process.env.AWS_REGION ? { region: process.env.AWS_REGION } : {}) })
          : undefined;
      if (!created) logger.error({ provider }, "no cloud adapter for this provider in this build");
      providers.set(provider, created);
    }
    return providers.get(provider);
  };
}
