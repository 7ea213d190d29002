import { observationsOf } from "./observations.js";

describe("observationsOf", () => {
  it("answers every asked IP, and adds the other found addresses that an instance holds", () => {
    const found = new Map([
      ["1.1.1.1", "vm-a"],
      ["2.2.2.2", ""],
      ["3.3.3.3", "vm-c"],
      ["4.4.4.4", ""],
    ]);
    const observed = observationsOf(["1.1.1.1", "2.2.2.2", "9.9.9.9"], found, (ip, holder) => ({
      ip,
      reserved: true,
      ...(holder ? { holder: { key: holder, name: holder } } : {}),
    }));
    expect([...observed.keys()]).toEqual(["1.1.1.1", "2.2.2.2", "9.9.9.9", "3.3.3.3"]);
    expect(observed.get("9.9.9.9")).toEqual({ ip: "9.9.9.9", reserved: false });
    expect(observed.get("3.3.3.3")?.holder?.key).toBe("vm-c");
  });
});
