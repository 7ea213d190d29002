import { ec2Error } from "./errors.js";

// Errors as the AWS SDK v3 throws them: the EC2 error code as name, the HTTP response kept as $response.
const sdkError = (name: string, status: number, headers: Record<string, string> = {}) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    $metadata: { httpStatusCode: status },
    $response: { statusCode: status, headers },
  });

describe("ec2Error", () => {
  it.each([
    ["RequestLimitExceeded", 503, "RateLimited"],
    ["UnauthorizedOperation", 403, "Permission"],
    ["InvalidAllocationID.NotFound", 400, "NotFound"],
    ["Resource.AlreadyAssociated", 400, "Conflict"],
    ["InternalError", 500, "Transient"],
  ])("maps %s to %s", (name, status, kind) => {
    expect(ec2Error(sdkError(name, status), "AssociateAddress")).toMatchObject({ kind, provider: "aws" });
  });

  it("takes the wait a throttling answer's Retry-After asks for, and invents none", () => {
    expect(ec2Error(sdkError("RequestLimitExceeded", 503, { "retry-after": "4" }), "op").retryAfterMs).toBe(4_000);
    expect(ec2Error(sdkError("RequestLimitExceeded", 503), "op").retryAfterMs).toBeUndefined();
  });

  it("says when a NotFound is about the instance", () => {
    expect(ec2Error(sdkError("InvalidInstanceID.NotFound", 400), "op")).toMatchObject({
      kind: "NotFound",
      resource: "instance",
    });
  });

  it("reads a missing region as configuration, saying what to set", () => {
    const error = ec2Error(new Error("Region is missing"), "DescribeAddresses");
    expect(error.kind).toBe("Configuration");
    expect(error.message).toContain("spec.cloud.region");
  });
});
