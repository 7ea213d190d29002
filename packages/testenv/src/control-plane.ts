import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { request } from "node:https";
import { join } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { controlPlaneBinaries, type ControlPlaneBinaries } from "./binaries.js";
import { ManagedProcess } from "./managed-process.js";
import { freePort } from "./ports.js";
import { waitFor } from "./wait.js";
import { SIMULATED_NODE_LABEL } from "./nodes.js";

/**
 * Node-lifecycle timings, shortened from the defaults (40 s grace, 300 s tolerations) so that a failed node
 * turns NotReady/Unknown and gets its `unreachable` taint within seconds. kwok renews each node Lease every
 * leaseDuration/4 seconds; the grace period must stay well above that.
 */
export const NODE_LIFECYCLE = {
  nodeLeaseDurationSeconds: 4,
  nodeMonitorPeriodSeconds: 1,
  nodeMonitorGracePeriodSeconds: 5,
  nodeStartupGracePeriodSeconds: 10,
  defaultTolerationSeconds: 10,
} as const;

export interface ControlPlaneOptions {
  /** Run kube-controller-manager, kube-scheduler and kwok too (default true): Deployments, scheduling, simulated kubelets. */
  simulateNodes?: boolean;
  /** Keep the temp folder (logs, etcd data) after stop(), for debugging. Also with IPAC_TESTENV_KEEP=1. */
  keepDir?: boolean;
  /** Let the calling process exit while the control plane keeps running (stop it by pid later). */
  detach?: boolean;
}

export interface ControlPlane {
  /** https://127.0.0.1:PORT */
  server: string;
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  /** Temp folder with logs (`*.log`), certificates and etcd data. */
  dir: string;
  binaries: ControlPlaneBinaries;
  pids: number[];
  stop(): Promise<void>;
}

/** Starts etcd, kube-apiserver and (by default) the controller-manager, scheduler and kwok on free loopback ports. */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binaries = await controlPlaneBinaries();
  const simulateNodes = (options.simulateNodes ?? true) && !!binaries.kubeControllerManager && !!binaries.kwok;
  const dir = await mkdtemp(join(tmpdir(), "ipac-cp-"));
  const processes: ManagedProcess[] = [];
  const stop = async () => {
    for (const p of processes.reverse()) await p.stop();
    if (!options.keepDir && process.env.IPAC_TESTENV_KEEP !== "1") await rm(dir, { recursive: true, force: true });
  };
  try {
    const [etcdPort, peerPort, apiPort, kcmPort, schedulerPort, kwokPort] = await Promise.all(
      Array.from({ length: 6 }, freePort),
    );
    const token = randomBytes(24).toString("hex");
    const files = await writeCredentials(dir, token);

    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = new ManagedProcess(
      "etcd",
      binaries.etcd,
      [
        `--data-dir=${join(dir, "etcd")}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        "--unsafe-no-fsync",
        "--log-level=warn",
      ],
      dir,
    );
    processes.push(etcd);

    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver = new ManagedProcess(
      "kube-apiserver",
      binaries.kubeApiserver,
      [
        `--etcd-servers=${etcdUrl}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${apiPort}`,
        `--cert-dir=${join(dir, "certs")}`,
        `--token-auth-file=${files.tokens}`,
        "--authorization-mode=RBAC",
        "--service-cluster-ip-range=10.96.0.0/16",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${files.saPublicKey}`,
        `--service-account-signing-key-file=${files.saPrivateKey}`,
        "--allow-privileged=true",
        `--default-not-ready-toleration-seconds=${NODE_LIFECYCLE.defaultTolerationSeconds}`,
        `--default-unreachable-toleration-seconds=${NODE_LIFECYCLE.defaultTolerationSeconds}`,
      ],
      dir,
    );
    processes.push(apiserver);

    // The apiserver generates its serving certificate (with its CA appended) into --cert-dir at start.
    const caFile = join(dir, "certs", "apiserver.crt");
    await waitFor(
      "kube-apiserver /readyz",
      async () => {
        etcd.assertRunning();
        apiserver.assertRunning();
        const status = await httpsGetStatus(`${server}/readyz`, await readFile(caFile), token);
        return status === 200 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );

    const kubeconfigPath = join(dir, "kubeconfig");
    const kubeconfigYaml = kubeconfig(server, await readFile(caFile), token);
    await writeFile(kubeconfigPath, kubeconfigYaml, { mode: 0o600 });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(kubeconfigYaml);

    if (simulateNodes) {
      processes.push(
        new ManagedProcess(
          "kube-controller-manager",
          binaries.kubeControllerManager!,
          [
            `--kubeconfig=${kubeconfigPath}`,
            "--leader-elect=false",
            "--bind-address=127.0.0.1",
            `--secure-port=${kcmPort}`,
            `--service-account-private-key-file=${files.saPrivateKey}`,
            `--root-ca-file=${caFile}`,
            "--use-service-account-credentials=false",
            `--node-monitor-period=${NODE_LIFECYCLE.nodeMonitorPeriodSeconds}s`,
            `--node-monitor-grace-period=${NODE_LIFECYCLE.nodeMonitorGracePeriodSeconds}s`,
            `--node-startup-grace-period=${NODE_LIFECYCLE.nodeStartupGracePeriodSeconds}s`,
          ],
          dir,
        ),
      );
      if (binaries.kubeScheduler) {
        processes.push(
          new ManagedProcess(
            "kube-scheduler",
            binaries.kubeScheduler,
            [
              `--kubeconfig=${kubeconfigPath}`,
              "--leader-elect=false",
              "--bind-address=127.0.0.1",
              `--secure-port=${schedulerPort}`,
            ],
            dir,
          ),
        );
      }
      processes.push(
        new ManagedProcess(
          "kwok",
          binaries.kwok!,
          [
            `--kubeconfig=${kubeconfigPath}`,
            "--manage-all-nodes=false",
            `--manage-nodes-with-label-selector=${SIMULATED_NODE_LABEL}=true`,
            `--server-address=127.0.0.1:${kwokPort}`,
            `--node-lease-duration-seconds=${NODE_LIFECYCLE.nodeLeaseDurationSeconds}`,
          ],
          dir,
        ),
      );
      // The ServiceAccount admission plugin refuses pods until the namespace's default ServiceAccount exists.
      const core = kubeConfig.makeApiClient(CoreV1Api);
      await waitFor("the default ServiceAccount", async () => {
        for (const p of processes) p.assertRunning();
        await core.readNamespacedServiceAccount({ name: "default", namespace: "default" });
        return true;
      });
    }

    if (options.detach) for (const p of processes) p.detach();
    return {
      server,
      kubeconfigPath,
      kubeConfig,
      dir,
      binaries,
      pids: processes.map((p) => p.pid).filter((pid): pid is number => pid !== undefined),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function writeCredentials(dir: string, token: string) {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  const files = {
    tokens: join(dir, "tokens.csv"),
    saPublicKey: join(dir, "sa.pub"),
    saPrivateKey: join(dir, "sa.key"),
  };
  await writeFile(files.tokens, `${token},admin,admin,"system:masters"\n`, { mode: 0o600 });
  await writeFile(files.saPublicKey, publicKey);
  await writeFile(files.saPrivateKey, privateKey, { mode: 0o600 });
  return files;
}

function kubeconfig(server: string, ca: Buffer, token: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: testenv
  cluster:
    server: ${server}
    certificate-authority-data: ${ca.toString("base64")}
users:
- name: admin
  user:
    token: ${token}
contexts:
- name: testenv
  context: {cluster: testenv, user: admin}
current-context: testenv
`;
}

function httpsGetStatus(url: string, ca: Buffer, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { authorization: `Bearer ${token}` }, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}
