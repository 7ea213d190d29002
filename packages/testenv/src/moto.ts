import { execFile } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { tmpdir } from "node:os";
import { ManagedProcess } from "./managed-process.js";
import { freePort } from "./ports.js";
import { waitFor } from "./wait.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export interface MotoServer {
  endpoint: string;
  stop(): Promise<void>;
}

/** moto's server on a free loopback port: an independent implementation of the AWS APIs to test against. */
export async function startMoto(): Promise<MotoServer> {
  const { stdout } = await promisify(execFile)("bash", [join(repoRoot, "hack/install-moto.sh")], { timeout: 600_000 });
  const port = await freePort();
  const moto = new ManagedProcess(`moto-${port}`, stdout.trim(), ["-H", "127.0.0.1", "-p", String(port)], tmpdir());
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor(
    "moto server",
    async () => {
      moto.assertRunning();
      const response = await fetch(`${endpoint}/moto-api/`).catch(() => undefined);
      return response ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  return { endpoint, stop: () => moto.stop() };
}
