import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

// `make demo` cannot silently break: its CI mode runs the whole narrated scenario and fails on any step.
describe("make demo --ci", () => {
  it("runs every step to convergence and stops cleanly", async () => {
    const child = spawn("node", [join(root, "packages/demo/dist/main.js"), "--ci"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolveExit) => child.once("exit", resolveExit));
    const summary = output.split("\n").find((line) => line.startsWith("demo: "));
    console.log(summary);
    expect(summary).toMatch(/^demo: 4 passed, 0 failed/);
    expect(code).toBe(0);
  }, 240_000);
});
