import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { startControlPlane } from "./control-plane.js";
import { isAlive, terminatePids } from "./process-tree.js";

/** What a test file needs of a control plane that outlives it (shared by all files of one Jest worker). */
export interface SharedControlPlane {
  server: string;
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  dir: string;
  pids: number[];
}

type State = Omit<SharedControlPlane, "kubeConfig">;

/** Folder of one test run's shared control planes; the run id comes from Jest's global setup. */
export function runStateDir(): string {
  return join(tmpdir(), "ipac-testenv", process.env.IPAC_TESTENV_RUN ?? `pid-${process.ppid}`);
}

/**
 * One control plane per Jest worker: the first test file of a worker starts it, later files reuse it,
 * and the global teardown (stopSharedControlPlanes) stops them all. Tests keep to their own names
 * (namespaces, node names) since they share the cluster.
 */
export async function sharedControlPlane(): Promise<SharedControlPlane> {
  const stateFile = join(runStateDir(), `worker-${process.env.JEST_WORKER_ID ?? "0"}.json`);
  if (existsSync(stateFile)) {
    const state = JSON.parse(readFileSync(stateFile, "utf8")) as State;
    if (state.pids.every(isAlive)) return withKubeConfig(state);
    await terminatePids(state.pids);
  }
  const started = await startControlPlane({ detach: true });
  const state: State = {
    server: started.server,
    kubeconfigPath: started.kubeconfigPath,
    dir: started.dir,
    pids: started.pids,
  };
  mkdirSync(runStateDir(), { recursive: true });
  writeFileSync(stateFile, JSON.stringify(state));
  return withKubeConfig(state);
}

/** Stops every shared control plane of this run and removes their folders. */
export async function stopSharedControlPlanes(): Promise<void> {
  const dir = runStateDir();
  if (!existsSync(dir)) return;
  for (const file of readdirSync(dir)) {
    const state = JSON.parse(readFileSync(join(dir, file), "utf8")) as State;
    await terminatePids(state.pids);
    if (process.env.IPAC_TESTENV_KEEP !== "1") rmSync(state.dir, { recursive: true, force: true });
  }
  rmSync(dir, { recursive: true, force: true });
}

function withKubeConfig(state: State): SharedControlPlane {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(state.kubeconfigPath);
  return { ...state, kubeConfig };
}
