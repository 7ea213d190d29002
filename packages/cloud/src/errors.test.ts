import { CloudError, isPermanent, isRetryable, parseRetryAfter, retryDelayHint, toCloudError } from "./errors.js";

describe("cloud errors", () => {
  it("retries throttling, transient and unrecognised failures; permission, input and configuration are permanent", () => {
    expect(isRetryable(new CloudError("RateLimited", "slow down", { retryAfterMs: 2000 }))).toBe(true);
    expect(isRetryable(new CloudError("Transient", "503"))).toBe(true);
    expect(isRetryable(new CloudError("Unknown", "?"))).toBe(true);
    for (const kind of ["NotFound", "Conflict", "Permission", "InvalidInput", "Configuration"] as const) {
      expect(isRetryable(new CloudError(kind, kind))).toBe(false);
    }
    for (const kind of ["Permission", "InvalidInput", "Configuration"] as const) {
      expect(isPermanent(new CloudError(kind, kind))).toBe(true);
    }
    expect(isPermanent(new CloudError("RateLimited", "x"))).toBe(false);
    expect(isRetryable(new Error("plain"))).toBe(false);
    expect(retryDelayHint(new CloudError("RateLimited", "x", { retryAfterMs: 2000 }))).toBe(2000);
  });

  it("classifies connection failures and timeouts as Transient, keeping the cause and context", () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const mapped = toCloudError(reset, { provider: "aws", operation: "AssociateAddress" });
    expect(mapped).toMatchObject({ kind: "Transient", provider: "aws", operation: "AssociateAddress", cause: reset });
    expect(mapped.message).toContain("ECONNRESET");
    const timeout = Object.assign(new Error("aborted"), { name: "TimeoutError" });
    expect(toCloudError(timeout).kind).toBe("Transient");
    const known = new CloudError("Permission", "denied");
    expect(toCloudError(known)).toBe(known);
  });

  it("classifies what it does not recognise as Unknown, not Transient", () => {
    expect(toCloudError(new Error("something odd"))).toMatchObject({ kind: "Unknown", message: "something odd" });
  });

  it.each([
    ["Region is missing", "spec.cloud.region"],
    ["Unable to detect a Project Id in the current environment.", "GOOGLE_CLOUD_PROJECT"],
    ["Could not load the default credentials. Browse to https://…", "GOOGLE_APPLICATION_CREDENTIALS"],
    ["Could not load credentials from any providers", "AWS_ACCESS_KEY_ID"],
    ["DefaultAzureCredential failed to retrieve a token", "AZURE_CLIENT_ID"],
  ])("reads %j as a configuration error saying what to set", (message, hint) => {
    const error = toCloudError(new Error(message));
    expect(error.kind).toBe("Configuration");
    expect(error.message).toContain(hint);
  });

  it("parses Retry-After as seconds or as an HTTP date", () => {
    expect(parseRetryAfter("5")).toBe(5_000);
    expect(parseRetryAfter("0.5")).toBe(500);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 3_000)).toBe(7_000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter("-1")).toBeUndefined();
  });
});
