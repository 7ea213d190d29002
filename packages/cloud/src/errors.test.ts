import { CloudError, isRetryable, retryDelayHint, toCloudError } from "./errors.js";

describe("cloud errors", () => {
  it("retries only throttling and transient failures", () => {
    expect(isRetryable(new CloudError("RateLimited", "slow down", { retryAfterMs: 2000 }))).toBe(true);
    expect(isRetryable(new CloudError("Transient", "503"))).toBe(true);
    for (const kind of ["NotFound", "Conflict", "Permission", "InvalidInput"] as const) {
      expect(isRetryable(new CloudError(kind, kind))).toBe(false);
    }
    expect(isRetryable(new Error("plain"))).toBe(false);
    expect(retryDelayHint(new CloudError("RateLimited", "x", { retryAfterMs: 2000 }))).toBe(2000);
  });

  it("classifies unknown errors as Transient, keeping the cause and context", () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const mapped = toCloudError(reset, { provider: "aws", operation: "AssociateAddress" });
    expect(mapped).toMatchObject({ kind: "Transient", provider: "aws", operation: "AssociateAddress", cause: reset });
    expect(mapped.message).toContain("ECONNRESET");
    const timeout = Object.assign(new Error("aborted"), { name: "TimeoutError" });
    expect(toCloudError(timeout).kind).toBe("Transient");
    const known = new CloudError("Permission", "denied");
    expect(toCloudError(known)).toBe(known);
  });
});
