import { FencedError, toCloudError, type CloudProvider } from "@ipac/cloud";
import type { ControllerMetrics } from "./metrics.js";

/**
 * The provider with every call timed into netipallocation_cloud_api_duration_seconds{provider,operation,result}
 * (result: "success", the error class, or "Fenced" for a write refused because the lease was lost), whose _count is the calls by outcome.
 */
export function instrumented(provider: CloudProvider, metrics: ControllerMetrics): CloudProvider {
  const timed = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    let result = "success";
    try {
      return await call();
    } catch (error) {
      // A write the fence stopped never reached the cloud: not a cloud error.
      result =
        error instanceof FencedError ? "Fenced" : toCloudError(error, { provider: provider.name, operation }).kind;
      throw error;
    } finally {
      metrics.cloudApiCall(provider.name, operation, result, (performance.now() - started) / 1000);
    }
  };
  return {
    name: provider.name,
    supportsAtomicReassociate: provider.supportsAtomicReassociate,
    describeAddresses: (scope, ips) => timed("describeAddresses", () => provider.describeAddresses(scope, ips)),
    attach: (scope, ip, instance, options) => timed("attach", () => provider.attach(scope, ip, instance, options)),
    detach: (scope, ip, instance, options) => timed("detach", () => provider.detach(scope, ip, instance, options)),
    ...(provider.restoreExternalIP
      ? {
          restoreExternalIP: (scope, instance, options) =>
            timed("restoreExternalIP", () => provider.restoreExternalIP!(scope, instance, options)),
        }
      : {}),
  };
}
