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
