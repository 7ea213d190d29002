import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { startControlPlane } from "./control-plane.js";
import { isAlive, runStateDir, terminatePids, type SharedState } from "./shared-state.js";

/** What a test file needs of a control plane that outlives it (shared by all files of one Jest worker). */
export interface SharedControlPlane extends SharedState {
  kubeConfig: KubeConfig;
}

/**
 * One control plane per Jest worker: the first test file of a worker starts it, later files reuse it,
 * and Jest's global teardown (shared-state.ts) stops them all. Tests keep to their own names
 * (namespaces, node names) since they share the cluster.
 */
export async function sharedControlPlane(): Promise<SharedControlPlane> {
  const stateFile = join(runStateDir(), `worker-${process.env.JEST_WORKER_ID ?? "0"}.json`);
  if (existsSync(stateFile)) {
    const state = JSON.parse(readFileSync(stateFile, "utf8")) as SharedState;
    if (state.pids.every(isAlive)) return withKubeConfig(state);
    await terminatePids(state.pids);
  }
  const started = await startControlPlane({ detach: true });
  const state: SharedState = {
    server: started.server,
    kubeconfigPath: started.kubeconfigPath,
    dir: started.dir,
    pids: started.pids,
  };
  mkdirSync(runStateDir(), { recursive: true });
  writeFileSync(stateFile, JSON.stringify(state));
  return withKubeConfig(state);
}

function withKubeConfig(state: SharedState): SharedControlPlane {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(state.kubeconfigPath);
  return { ...state, kubeConfig };
}
