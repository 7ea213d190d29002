import fc from "fast-check";
import { CloudError } from "@ipac/cloud";
import { World } from "./world.js";

function world() {
  const w = new World(() => 42);
  for (const [key, zone] of [
    ["i-1", "a"],
    ["i-2", "a"],
    ["i-3", "b"],
  ] as const) {
    w.addInstance({ key, provider: "aws", name: key, zone, ephemeralIP: `10.0.0.${key.slice(2)}` });
  }
  w.reserveAddress({ ip: "1.1.1.1", provider: "aws" });
  w.reserveAddress({ ip: "2.2.2.2", provider: "aws", zone: "a" });
  return w;
}

const kindOf = (fn: () => void) => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof CloudError ? error.kind : "other";
  }
};

describe("World", () => {
  it("attaches a static IP in place of the ephemeral one and records history", () => {
    const w = world();
    expect(w.publicIPOf("i-1")).toBe("10.0.0.1");
    w.attach("1.1.1.1", "i-1", { actor: "controller" });
    expect(w.publicIPOf("i-1")).toBe("1.1.1.1");
    expect(w.holderOf("1.1.1.1")?.key).toBe("i-1");
    w.attach("1.1.1.1", "i-1");
    expect(w.history).toEqual([
      { at: 42, op: "attach", ip: "1.1.1.1", instance: "i-1", from: undefined, actor: "controller" },
    ]);
    w.detach("1.1.1.1", "i-2");
    expect(w.holderOf("1.1.1.1")?.key).toBe("i-1");
    w.detach("1.1.1.1", "i-1");
    expect(w.publicIPOf("i-1")).toBe("10.0.0.1");
  });

  it("enforces each cloud's rules", () => {
    const w = world();
    w.attach("1.1.1.1", "i-1");
    expect(kindOf(() => w.attach("1.1.1.1", "i-2"))).toBe("Conflict");
    expect(kindOf(() => w.attach("2.2.2.2", "i-1"))).toBe("Conflict");
    expect(kindOf(() => w.attach("2.2.2.2", "i-3"))).toBe("InvalidInput");
    expect(kindOf(() => w.attach("9.9.9.9", "i-2"))).toBe("NotFound");
    expect(kindOf(() => w.attach("2.2.2.2", "i-9"))).toBe("NotFound");
    w.attach("1.1.1.1", "i-2", { reassociate: true });
    expect(w.holderOf("1.1.1.1")?.key).toBe("i-2");
    expect(w.publicIPOf("i-1")).toBe("10.0.0.1");
    w.terminate("i-2");
    expect(w.holderOf("1.1.1.1")).toBeUndefined();
    expect(kindOf(() => w.attach("1.1.1.1", "i-2"))).toBe("NotFound");
  });

  it("never puts an IP on two instances or two IPs on one NIC (property)", () => {
    const op = fc.record({
      kind: fc.constantFrom("attach", "reassociate", "detach", "terminate"),
      ip: fc.constantFrom("1.1.1.1", "2.2.2.2"),
      instance: fc.constantFrom("i-1", "i-2", "i-3"),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const w = world();
        for (const { kind, ip, instance } of ops) {
          kindOf(() => {
            if (kind === "attach" || kind === "reassociate")
              w.attach(ip, instance, { reassociate: kind === "reassociate" });
            else if (kind === "detach") w.detach(ip, instance);
            else w.terminate(instance);
          });
          expect(w.ipsOnTwoInstances()).toEqual([]);
        }
      }),
    );
  });
});
