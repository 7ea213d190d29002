import { execFile } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export interface ChartTools {
  helm: string;
  promtool: string;
  /** Debian's Prometheus server (same package as promtool), for tests against a real Prometheus. */
  prometheus: string;
  /** Folder with the prometheus-operator CRDs (ServiceMonitor, PodMonitor, PrometheusRule). */
  prometheusOperatorCRDs: string;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** helm, prometheus, promtool and the prometheus-operator CRDs, installed once by hack/install-tools.sh. */
export async function chartTools(): Promise<ChartTools> {
  const { stdout } = await promisify(execFile)("bash", [join(repoRoot, "hack/install-tools.sh")], {
    timeout: 1_800_000,
  });
  const [bin, crds] = stdout.trim().split("\n").slice(-2);
  return {
    helm: join(bin!, "helm"),
    promtool: join(bin!, "promtool"),
    prometheus: join(bin!, "prometheus"),
    prometheusOperatorCRDs: crds!,
  };
}

/** Runs a command with KUBECONFIG set; resolves with stdout, rejects with stderr in the message. */
export async function run(command: string, args: string[], kubeconfig?: string, input?: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      command,
      args,
      { env: { ...process.env, ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}) }, maxBuffer: 64 << 20 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`${command} ${args.join(" ")}: ${stdout}${stderr || error.message}`))
          : resolvePromise(stdout),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}
