import { ApiException } from "@kubernetes/client-node";
import { ignoreNotFound, statusCode } from "./api-errors.js";

describe("API errors", () => {
  it("reads the HTTP status of client-node's ApiException, and nothing from other throws", () => {
    expect(statusCode(new ApiException(409, "conflict", {}, {}))).toBe(409);
    expect(statusCode(new Error("socket hang up"))).toBeUndefined();
    expect(statusCode("boom")).toBeUndefined();
    expect(statusCode(null)).toBeUndefined();
  });

  it("swallows a 404 only", () => {
    expect(() => ignoreNotFound(new ApiException(404, "not found", {}, {}))).not.toThrow();
    const conflict = new ApiException(409, "conflict", {}, {});
    expect(() => ignoreNotFound(conflict)).toThrow(conflict);
    expect(() => ignoreNotFound(new Error("socket hang up"))).toThrow("socket hang up");
  });
});
