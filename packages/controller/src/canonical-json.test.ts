import { canonicalJson } from "./canonical-json.js";

describe("canonicalJson", () => {
  it("gives the same text for the same content in any key order, at any depth and inside arrays", () => {
    const built = { reservedCount: 2, assignments: [{ ip: "34.0.0.1", state: "Attached", node: "a" }], conditions: [] };
    const stored = {
      assignments: [{ node: "a", ip: "34.0.0.1", state: "Attached" }],
      conditions: [],
      reservedCount: 2,
    };
    expect(JSON.stringify(built)).not.toBe(JSON.stringify(stored));
    expect(canonicalJson(built)).toBe(canonicalJson(stored));
  });

  it("leaves out undefined properties as JSON does, and keeps arrays in order", () => {
    expect(canonicalJson({ b: 1, a: undefined })).toBe(canonicalJson({ b: 1 }));
    expect(canonicalJson({ ips: ["x", "y"] })).not.toBe(canonicalJson({ ips: ["y", "x"] }));
  });

  it("tells a changed value apart, and keeps null, numbers and strings as they are", () => {
    expect(canonicalJson({ a: { b: 1 } })).not.toBe(canonicalJson({ a: { b: 2 } }));
    expect(canonicalJson({ a: null, n: 1.5, s: "t" })).toBe('{"a":null,"n":1.5,"s":"t"}');
    expect(canonicalJson({})).toBe("{}");
  });
});
