import fc from "fast-check";
import { AllocationIndex } from "./allocation-index.js";
import { selectorMatches } from "./decide/selector.js";

describe("AllocationIndex", () => {
  it("finds allocations by node labels before and after a change, and by workload", () => {
    const index = new AllocationIndex();
    index.upsert({ name: "all", nodeSelector: {} });
    index.upsert({ name: "public", nodeSelector: { role: "public" }, workloadKey: "Deployment/default/web" });
    index.upsert({ name: "public-a", nodeSelector: { role: "public", zone: "a" } });
    expect(index.allocationsForNodeLabels({ role: "public", zone: "b" })).toEqual(new Set(["all", "public"]));
    expect(index.allocationsForNodeLabels({ role: "private" }, { role: "public", zone: "a" })).toEqual(
      new Set(["all", "public", "public-a"]),
    );
    expect(index.allocationsForWorkload("Deployment/default/web")).toEqual(new Set(["public"]));
    index.upsert({ name: "public", nodeSelector: { role: "edge" } });
    expect(index.allocationsForWorkload("Deployment/default/web").size).toBe(0);
    expect(index.allocationsForNodeLabels({ role: "public" })).toEqual(new Set(["all"]));
    index.remove("all");
    expect(index.allocationsForNodeLabels({ role: "edge" })).toEqual(new Set(["public"]));
  });

  it("agrees with checking every selector (property)", () => {
    const labels = fc.dictionary(fc.constantFrom("role", "zone", "tier"), fc.constantFrom("a", "b"));
    fc.assert(
      fc.property(fc.array(labels, { maxLength: 20 }), labels, labels, (selectors, before, after) => {
        const index = new AllocationIndex();
        selectors.forEach((nodeSelector, i) => index.upsert({ name: `a${i}`, nodeSelector }));
        const expected = new Set(
          selectors.flatMap((s, i) => (selectorMatches(s, before) || selectorMatches(s, after) ? [`a${i}`] : [])),
        );
        expect(index.allocationsForNodeLabels(before, after)).toEqual(expected);
      }),
    );
  });
});
