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

  it("asks for a pause on throttling", () => {
    expect(gcpError(Object.assign(new Error("quota"), { code: 8 }), "op").retryAfterMs).toBeGreaterThan(0);
  });
});
