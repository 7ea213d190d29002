import { azureError } from "./errors.js";

const rest = (statusCode: number, code: string, retryAfter?: string) =>
  Object.assign(new Error(code), {
    statusCode,
    code,
    response: { headers: { get: (n: string) => (n === "retry-after" ? retryAfter : undefined) } },
  });

describe("azureError", () => {
  it.each([
    [429, "TooManyRequests", "RateLimited"],
    [403, "AuthorizationFailed", "Permission"],
    [401, "InvalidAuthenticationToken", "Permission"],
    [404, "ResourceNotFound", "NotFound"],
    [400, "PublicIPAddressInUse", "Conflict"],
    [409, "AnotherOperationInProgress", "Conflict"],
    [400, "ComputeResourceZoneConstraintDoesNotMatchPublicIPAddressZoneConstraint", "InvalidInput"],
    [503, "ServiceUnavailable", "Transient"],
  ])("maps HTTP %d %s to %s", (status, code, kind) => {
    expect(azureError(rest(status, code), "op")).toMatchObject({ kind, provider: "azure", operation: "op" });
  });

  it("keeps the Retry-After of a 429", () => {
    expect(azureError(rest(429, "TooManyRequests", "7"), "op").retryAfterMs).toBe(7_000);
  });
});
