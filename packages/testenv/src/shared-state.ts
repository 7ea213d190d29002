// Bookkeeping of the control planes shared by the test files of one Jest run. Only node: built-ins here:
// Jest loads this file as its globalTeardown outside its module mapper.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What the state file of one shared control plane records. */
export interface SharedState {
  server: string;
  kubeconfigPath: string;
  dir: string;
  pids: number[];
}

/** Folder of one test run's shared control planes; the run id comes from Jest's global setup. */
export function runStateDir(): string {
  return join(tmpdir(), "ipac-testenv", process.env.IPAC_TESTENV_RUN ?? `pid-${process.ppid}`);
}

/** Stops every shared control plane of this run and removes their folders. Jest's globalTeardown. */
export default async function stopSharedControlPlanes(): Promise<void> {
  const dir = runStateDir();
  if (!existsSync(dir)) return;
  for (const file of readdirSync(dir)) {
    const state = JSON.parse(readFileSync(join(dir, file), "utf8")) as SharedState;
    await terminatePids(state.pids);
    if (process.env.IPAC_TESTENV_KEEP !== "1") rmSync(state.dir, { recursive: true, force: true });
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Terminates processes by pid: SIGTERM, then SIGKILL for those still alive after `graceMs`. */
export async function terminatePids(pids: number[], graceMs = 5_000): Promise<void> {
  const alive = () => pids.filter(isAlive);
  for (const pid of alive()) signal(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  for (const pid of alive()) signal(pid, "SIGKILL");
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
