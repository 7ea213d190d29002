import { gcpError } from "./errors.js";

describe("gcpError", () => {
  it.each([
    [3, "InvalidInput"],
    [4, "Transient"],
    [5, "NotFound"],
    [7, "Permission"],
    [8, "RateLimited"],
    [9, "Conflict"],
    [13, "Transient"],
    [14, "Transient"],
    [16, "Permission"],
    [429, "RateLimited"],
    [503, "Transient"],
  ])("maps code %d to %s", (code, kind) => {
    expect(gcpError(Object.assign(new Error("x"), { code }), "op")).toMatchObject({
      kind,
      provider: "gcp",
      operation: "op",
    });
  });

  it("treats an address in use by another resource as a conflict", () => {
    const error = Object.assign(new Error("The resource '34.1.1.1' is already being used by 'instances/b'"), {
      code: 3,
    });
    expect(gcpError(error, "instances.addAccessConfig").kind).toBe("Conflict");
  });

  it("takes the pause a throttling error's RetryInfo asks for, and none without one", () => {
    const detail = (retryDelay: unknown) => ({ statusDetails: [{ reason: "x" }, { retryDelay }] });
    const throttled = (extra: object) => Object.assign(new Error("quota"), { code: 8 }, extra);
    expect(gcpError(throttled(detail({ seconds: 5, nanos: 500_000_000 })), "op").retryAfterMs).toBe(5_500);
    expect(gcpError(throttled(detail("2.5s")), "op").retryAfterMs).toBe(2_500);
    expect(gcpError(throttled({}), "op").retryAfterMs).toBeUndefined();
  });

  it("reads a 403 rateLimitExceeded as throttling, not as a denied permission", () => {
    const error = Object.assign(new Error("Rate Limit Exceeded"), { code: 7 });
    expect(gcpError(error, "instances.addAccessConfig").kind).toBe("RateLimited");
  });

  it("says when a NotFound is about the instance", () => {
    const error = Object.assign(new Error("instance gone"), { code: 5 });
    expect(gcpError(error, "instances.get")).toMatchObject({ kind: "NotFound", resource: "instance" });
    expect(gcpError(error, "addresses.list").resource).toBeUndefined();
  });
});
