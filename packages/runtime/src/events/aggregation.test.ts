import { EventAggregator } from "./aggregation.js";

const node = { apiVersion: "v1", kind: "Node", name: "n1", uid: "u1" };

describe("EventAggregator", () => {
  it("creates once, then counts identical events within 10 minutes", () => {
    const agg = new EventAggregator();
    const first = agg.decide(node, "Normal", "IPAttached", "attached 1.1.1.1", 0);
    expect(first.kind).toBe("create");
    agg.created((first as { key: string }).key, "n1.abc", "default", 0);
    expect(agg.decide(node, "Normal", "IPAttached", "attached 1.1.1.1", 1000)).toMatchObject({
      kind: "patch",
      name: "n1.abc",
      count: 2,
    });
    expect(agg.decide(node, "Normal", "IPAttached", "attached 1.1.1.2", 2000).kind).toBe("create");
    expect(agg.decide(node, "Normal", "IPAttached", "attached 1.1.1.1", 1000 + 11 * 60_000).kind).toBe("create");
  });

  it("drops events of one object beyond its burst, refilling one per 5 minutes", () => {
    const agg = new EventAggregator(3, 5 * 60_000);
    const kinds = [0, 1, 2, 3].map((i) => agg.decide(node, "Warning", "X", `m${i}`, 0).kind);
    expect(kinds).toEqual(["create", "create", "create", "drop"]);
    expect(agg.decide({ ...node, name: "n2", uid: "u2" }, "Warning", "X", "m", 0).kind).toBe("create");
    expect(agg.decide(node, "Warning", "X", "m9", 5 * 60_000).kind).toBe("create");
    expect(agg.decide(node, "Warning", "X", "m10", 5 * 60_000).kind).toBe("drop");
  });
});
