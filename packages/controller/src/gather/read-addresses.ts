import { retryDelayHint, toCloudError, type AddressScope, type CloudProvider } from "@ipac/cloud";
import type { Logger } from "pino";
import { cloudFailure, cloudFailureText } from "../cloud-failure.js";
import type { AddressReadResult } from "../decide/index.js";
import type { FailureLog } from "../failure-log.js";
import type { ControllerMetrics } from "../metrics.js";

/** The one batched cloud read of a reconcile; a failure is counted, logged (rate-limited) and returned, not thrown. */
export async function readAddresses(
  cloud: CloudProvider | undefined,
  scope: AddressScope,
  ips: string[],
  report: { metrics: ControllerMetrics; failures: FailureLog; logger: Logger },
): Promise<AddressReadResult> {
  if (!cloud) {
    return {
      ok: false,
      error: {
        kind: "Configuration",
        message: `no ${scope.provider} cloud adapter is configured in this controller (see its start-up log for why)`,
      },
    };
  }
  try {
    return { ok: true, addresses: await cloud.describeAddresses(scope, ips) };
  } catch (error) {
    const cloudError = toCloudError(error, { provider: scope.provider, operation: "describeAddresses" });
    report.metrics.cloudApiError(scope.provider, "describeAddresses", cloudError.kind);
    const failure = cloudFailure(cloudError);
    const what = `read ${scope.provider} addresses`;
    report.failures.warn(
      `${scope.provider}/${scope.region ?? ""}/describeAddresses/${failure.errorClass}`,
      { operation: "describeAddresses", errorClass: failure.errorClass, code: failure.code, err: failure.message },
      `cannot ${what}`,
      report.logger,
    );
    const retryAfterMs = retryDelayHint(cloudError);
    return {
      ok: false,
      error: {
        kind: cloudError.kind,
        message: cloudFailureText(what, failure),
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      },
    };
  }
}
