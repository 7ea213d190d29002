import { NodeClaims } from "./node-claims.js";

describe("NodeClaims", () => {
  it("gives a node to one allocation and IP at a time", () => {
    const claims = new NodeClaims();
    expect(claims.claim("n1", "a", "1.1.1.1")).toBe(true);
    expect(claims.claim("n1", "a", "1.1.1.1")).toBe(true);
    expect(claims.claim("n1", "a", "1.1.1.2")).toBe(false);
    expect(claims.claim("n1", "b", "2.2.2.2")).toBe(false);
    expect(claims.claimedByOthers("b")).toEqual(new Map([["n1", { allocation: "a", ip: "1.1.1.1" }]]));
    expect(claims.claimedByOthers("a").size).toBe(0);
    claims.release("n1", "b");
    expect(claims.claim("n1", "b", "2.2.2.2")).toBe(false);
    claims.release("n1", "a");
    expect(claims.claim("n1", "b", "2.2.2.2")).toBe(true);
  });

  it("syncs an allocation's claims to observed holdings without touching others", () => {
    const claims = new NodeClaims();
    claims.claim("n1", "a", "1.1.1.1");
    claims.claim("n2", "b", "2.2.2.2");
    claims.sync(
      "a",
      new Map([
        ["n3", "1.1.1.1"],
        ["n2", "1.1.1.9"],
      ]),
    );
    expect(claims.claimedByOthers("b")).toEqual(new Map([["n3", { allocation: "a", ip: "1.1.1.1" }]]));
    expect(claims.claimedByOthers("a")).toEqual(new Map([["n2", { allocation: "b", ip: "2.2.2.2" }]]));
    claims.releaseAll("a");
    expect(claims.claimedByOthers("b").size).toBe(0);
  });
});
