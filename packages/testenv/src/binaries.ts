import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export interface ControlPlaneBinaries {
  etcd: string;
  kubeApiserver: string;
  /** Absent in an envtest (KUBEBUILDER_ASSETS) folder: then nodes are not simulated and no pods are scheduled. */
  kubeControllerManager?: string;
  kubeScheduler?: string;
  kwok?: string;
  kubectl?: string;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * Returns the control plane binaries, building them on first use through hack/build-control-plane.sh
 * (or taking them from KUBEBUILDER_ASSETS). The build prints its progress on stderr.
 */
export async function controlPlaneBinaries(): Promise<ControlPlaneBinaries> {
  const script = join(repoRoot, "hack/build-control-plane.sh");
  const child = promisify(execFile)("bash", [script], { maxBuffer: 1 << 20, timeout: 3_600_000 });
  child.child.stderr?.pipe(process.stderr);
  const { stdout } = await child;
  const dir = stdout.trim().split("\n").pop() ?? "";
  const bin = existsSync(join(dir, "bin")) ? join(dir, "bin") : dir;
  const optional = (name: string) => (existsSync(join(bin, name)) ? join(bin, name) : undefined);
  const required = (name: string) => {
    const path = optional(name);
    if (!path) throw new Error(`control plane binary ${name} missing in ${bin}`);
    return path;
  };
  const found: ControlPlaneBinaries = { etcd: required("etcd"), kubeApiserver: required("kube-apiserver") };
  for (const [key, name] of [
    ["kubeControllerManager", "kube-controller-manager"],
    ["kubeScheduler", "kube-scheduler"],
    ["kwok", "kwok"],
    ["kubectl", "kubectl"],
  ] as const) {
    const path = optional(name);
    if (path) found[key] = path;
  }
  return found;
}
