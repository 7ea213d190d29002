import { Coalescer } from "./coalescer.js";

describe("Coalescer", () => {
  it("adds the first key at once and folds a burst into one add per window", () => {
    let now = 0;
    const adds: string[] = [];
    const queue = {
      add: (k: string) => adds.push(`add ${k}@${now}`),
      addAfter: (k: string, ms: number) => adds.push(`after ${k}+${ms}@${now}`),
    };
    const c = new Coalescer(queue, 500, () => now);
    c.add("a");
    now = 100;
    c.add("a");
    c.add("b");
    now = 450;
    c.add("a");
    now = 600; // the deferred add fired at 500: this one waits for the window after it
    c.add("a");
    expect(adds).toEqual(["add a@0", "after a+400@100", "add b@100", "after a+50@450", "after a+400@600"]);
  });
});
