import type { CloudProviderName } from "@ipac/api";
import type { CloudProvider } from "@ipac/cloud";
import type { Logger } from "pino";

/**
 * The cloud adapters this build carries, created on first use per provider. The GCP, AWS and Azure adapters on the
 * official SDKs are the next milestone (issue: cloud adapters); until then an allocation reports a CloudError
 * condition naming the missing adapter, and nothing is touched.
 */
export function cloudProviderFactory(logger: Logger): (provider: CloudProviderName) => CloudProvider | undefined {
  const warned = new Set<CloudProviderName>();
  return (provider) => {
    if (!warned.has(provider)) {
      warned.add(provider);
      logger.error({ provider }, "no cloud adapter for this provider in this build");
    }
    return undefined;
  };
}
