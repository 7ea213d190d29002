import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chartTools, controlPlaneBinaries, run, sharedControlPlane } from "@ipac/testenv";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The README's shell blocks preceded by `<!-- runnable -->`. */
async function runnableSnippets(): Promise<string[]> {
  const readme = await readFile(join(root, "README.md"), "utf8");
  return [...readme.matchAll(/<!-- runnable -->\s*```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

// Every command the README marks runnable works, against the local control plane.
describe("README snippets", () => {
  it("finds the runnable snippets", async () => {
    expect((await runnableSnippets()).length).toBeGreaterThanOrEqual(4);
  });

  it("runs each runnable snippet successfully, in order", async () => {
    const cp = await sharedControlPlane();
    const { kubectl } = await controlPlaneBinaries();
    const { helm } = await chartTools();
    const path = [dirname(kubectl!), dirname(helm), process.env.PATH].join(":");
    try {
      for (const snippet of await runnableSnippets()) {
        const output = await run(
          "bash",
          ["-euo", "pipefail", "-c", `cd ${JSON.stringify(root)}\nexport PATH=${JSON.stringify(path)}\n${snippet}`],
          cp.kubeconfigPath,
        );
        expect(output).not.toMatch(/error/i);
      }
    } finally {
      // Leave the shared cluster as we found it (the CRD itself stays: other tests use it).
      await run(kubectl!, ["delete", "--ignore-not-found", "-f", join(root, "examples")], cp.kubeconfigPath).catch(
        () => undefined,
      );
    }
  });
});
