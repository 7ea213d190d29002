import { spawn } from "node:child_process";
import { cp as copy, mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CoordinationV1Api } from "@kubernetes/client-node";
import {
  chartTools,
  controlPlaneBinaries,
  freePort,
  run,
  sharedControlPlane,
  waitFor,
  SimulatedNodes,
  type ChartTools,
  type SharedControlPlane,
} from "@ipac/testenv";
import { parse } from "yaml";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const chart = join(root, "charts/ip-address-controller");
const monitoringOn = "prometheusRule.enabled=true,serviceMonitor.enabled=true,grafanaDashboard.enabled=true";

describe("Helm chart, manifests and monitoring", () => {
  let tools: ChartTools;
  let cp: SharedControlPlane;
  let kubectl: string;

  beforeAll(async () => {
    tools = await chartTools();
    cp = await sharedControlPlane();
    kubectl = (await controlPlaneBinaries()).kubectl!;
    // Nodes for the controller's replicas (spread over hosts by the chart's topology constraint).
    const prefix = `chart-${Date.now().toString(36)}`;
    await new SimulatedNodes(cp.kubeConfig).createReady(
      [0, 1].map((i) => ({ name: `${prefix}-${i}`, zone: "zone-a" })),
    );
    // The prometheus-operator CRDs, so monitoring objects are validated by the real apiserver.
    for (const file of await readdir(tools.prometheusOperatorCRDs)) {
      await run(
        kubectl,
        ["apply", "--server-side", "--force-conflicts", "-f", join(tools.prometheusOperatorCRDs, file)],
        cp.kubeconfigPath,
      );
    }
    await run(
      kubectl,
      [
        "wait",
        "--for=condition=Established",
        "crd/prometheusrules.monitoring.coreos.com",
        "crd/servicemonitors.monitoring.coreos.com",
        "crd/podmonitors.monitoring.coreos.com",
      ],
      cp.kubeconfigPath,
    );
  });

  it("passes helm lint --strict, and its schema rejects a bad value with a clear message", async () => {
    await run(tools.helm, ["lint", "--strict", chart, "--set", monitoringOn]);
    await expect(run(tools.helm, ["lint", "--strict", chart, "--set", "replicaCount=0"])).rejects.toThrow(
      /replicaCount.*minimum/s,
    );
    await expect(run(tools.helm, ["lint", "--strict", chart, "--set", "controller.logLevel=loud"])).rejects.toThrow(
      /logLevel/,
    );
    await expect(run(tools.helm, ["lint", "--strict", chart, "--set", "unknownValue=1"])).rejects.toThrow(
      /unknownValue/,
    );
    // Both monitors would scrape every replica twice (and double every sum on the dashboard).
    await expect(
      run(tools.helm, ["lint", "--strict", chart, "--set", "podMonitor.enabled=true,serviceMonitor.enabled=true"]),
    ).rejects.toThrow(/serviceMonitor\/enabled.*must be false/);
  });

  it("renders objects the real apiserver accepts (server-side dry-run), monitoring included", async () => {
    const podMonitor = await run(tools.helm, ["template", "ipac", chart, "--set", "podMonitor.enabled=true"]);
    expect(podMonitor).toMatch(/kind: PodMonitor/);
    await run(kubectl, ["apply", "--dry-run=server", "-f", "-"], cp.kubeconfigPath, podMonitor);
    const rendered = await run(tools.helm, ["template", "ipac", chart, "-n", "kube-system", "--set", monitoringOn]);
    const kinds = rendered
      .split("\n---")
      .map((doc) => parse(doc)?.kind)
      .filter(Boolean);
    expect(kinds).toEqual(
      expect.arrayContaining([
        "ServiceAccount",
        "ClusterRole",
        "Role",
        "Deployment",
        "PodDisruptionBudget",
        "Service",
        "PrometheusRule",
        "ServiceMonitor",
        "ConfigMap",
        "CustomResourceDefinition",
      ]),
    );
    await run(kubectl, ["apply", "--dry-run=server", "-f", "-"], cp.kubeconfigPath, rendered);
  });

  it("installs with helm into the control plane and runs its replicas", async () => {
    await run(
      tools.helm,
      [
        "install",
        "ipac",
        chart,
        "-n",
        "ipac-system",
        "--create-namespace",
        "--set",
        monitoringOn,
        // Earlier test files on this control plane created the CRD without Helm: the release adopts it.
        "--take-ownership",
        "--wait",
        "--timeout",
        "90s",
      ],
      cp.kubeconfigPath,
    );
    const status = await run(tools.helm, ["status", "ipac", "-n", "ipac-system", "-o", "json"], cp.kubeconfigPath);
    expect(JSON.parse(status).info.status).toBe("deployed");
    const deployment = JSON.parse(
      await run(
        kubectl,
        ["get", "deployment", "-n", "ipac-system", "ipac-ip-address-controller", "-o", "json"],
        cp.kubeconfigPath,
      ),
    );
    expect(deployment.status.readyReplicas).toBe(2);
    const container = deployment.spec.template.spec.containers[0];
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(deployment.spec.template.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
  });

  it("applies deploy/monitoring/ with kubectl apply -f, as the README says", async () => {
    const out = await run(
      kubectl,
      ["apply", "--dry-run=server", "-f", join(root, "deploy/monitoring/")],
      cp.kubeconfigPath,
    );
    expect(out).toMatch(/prometheusrule.*created/);
    expect(out).toMatch(/servicemonitor.*created/);
    expect(out).toMatch(/configmap.*dashboard.*created/);
  });

  it("upgrades the CRD with the release, and keeps it on uninstall", async () => {
    const crdName = "crd/netipallocations.netinfra.darkbrains.com";
    const columns = async () =>
      JSON.parse(
        await run(kubectl, ["get", crdName, "-o", "json"], cp.kubeconfigPath),
      ).spec.versions[0].additionalPrinterColumns.map((c: { name: string }) => c.name) as string[];
    const upgrade = (chartDir: string) =>
      run(
        tools.helm,
        ["upgrade", "ipac", chartDir, "-n", "ipac-system", "--reuse-values", "--wait"],
        cp.kubeconfigPath,
      );

    // A new chart version whose CRD gained a printer column (as happened once, and never arrived from crds/).
    const changed = await mkdtemp(join(tmpdir(), "ipac-chart-"));
    await copy(chart, changed, { recursive: true });
    const template = join(changed, "templates/crd.yaml");
    const printerColumn = "        - name: Upgraded\n          type: string\n          jsonPath: .metadata.uid\n";
    const original = await readFile(template, "utf8");
    await writeFile(template, original.replace(/^( +additionalPrinterColumns:\n)/m, `$1${printerColumn}`));
    expect(await columns()).not.toContain("Upgraded");
    await upgrade(changed);
    expect(await columns()).toContain("Upgraded");
    await upgrade(chart);
    expect(await columns()).not.toContain("Upgraded");

    await run(tools.helm, ["uninstall", "ipac", "-n", "ipac-system", "--wait"], cp.kubeconfigPath);
    const kept = JSON.parse(await run(kubectl, ["get", crdName, "-o", "json"], cp.kubeconfigPath));
    expect(kept.metadata.annotations["helm.sh/resource-policy"]).toBe("keep");
  });

  it("keeps deploy/ identical to the chart's rendering", async () => {
    const out = await mkdtemp(join(tmpdir(), "ipac-manifests-"));
    await run("bash", [join(root, "hack/generate-manifests.sh"), out]);
    for (const dir of ["rbac", "manager", "monitoring"]) {
      for (const file of await readdir(join(out, "deploy", dir))) {
        const expected = await readFile(join(out, "deploy", dir, file), "utf8");
        const committed = await readFile(join(root, "deploy", dir, file), "utf8").catch(() => "(missing)");
        expect({ file: `deploy/${dir}/${file}`, committed }).toEqual({
          file: `deploy/${dir}/${file}`,
          committed: expected,
        });
      }
    }
  });

  it("ships alert rules that promtool checks and whose unit tests pass", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ipac-rules-"));
    const rendered = await run(tools.helm, [
      "template",
      "ipac",
      chart,
      "--set",
      "prometheusRule.enabled=true",
      "-s",
      "templates/prometheusrule.yaml",
    ]);
    await writeFile(join(dir, "rules.yaml"), JSON.stringify(parse(rendered).spec));
    await writeFile(
      join(dir, "alerts.promtool.yaml"),
      await readFile(join(root, "test/monitoring/alerts.promtool.yaml"), "utf8"),
    );
    expect(await run(tools.promtool, ["check", "rules", join(dir, "rules.yaml")])).toMatch(/SUCCESS: 11 rules found/);
    expect(await run(tools.promtool, ["test", "rules", join(dir, "alerts.promtool.yaml")])).toMatch(/SUCCESS/);
  });

  it("has a dashboard whose panels all query metrics a running controller really exposes", async () => {
    const dashboard = JSON.parse(await readFile(join(chart, "files/dashboard.json"), "utf8"));
    const panels = (dashboard.panels as { type: string; datasource?: unknown; targets?: { expr?: string }[] }[]).filter(
      (p) => p.type !== "row",
    );
    expect(panels.length).toBeGreaterThan(15);
    for (const panel of panels) {
      expect(panel.datasource).toBeDefined();
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets!) expect(target.expr).toMatch(/\w+/);
    }
    expect(dashboard.templating.list.map((v: { name: string }) => v.name)).toEqual(["datasource", "cluster"]);

    const queried = new Set<string>();
    const rules = await readFile(join(chart, "files/alerts.yaml"), "utf8");
    const exprs = [
      ...panels.flatMap((p) => p.targets!.map((t) => t.expr!)),
      ...[...rules.matchAll(/expr: (.*(?:\n {10}.*)*)/g)].map((m) => m[1]!),
    ];
    for (const expr of exprs)
      for (const [name] of expr.matchAll(/\b(netipallocation|workqueue|informer|process|nodejs)_[a-z0-9_]+/g))
        queried.add(name.replace(/_(bucket|sum|count)$/, ""));

    const exposed = await scrapeRunningController(cp);
    const missing = [...queried].filter((name) => !exposed.has(name));
    expect(missing).toEqual([]);
  });
});

/**
 * Starts the controller's entry point as the image does (`node …/dist/main.js`, configured by the environment),
 * waits for readiness and leadership, scrapes /metrics, and checks SIGTERM stops it cleanly with the lease released.
 */
async function scrapeRunningController(cp: SharedControlPlane): Promise<Set<string>> {
  const port = await freePort();
  const leaseName = `proc-${Date.now().toString(36)}`;
  const child = spawn("node", [join(root, "packages/controller/dist/main.js")], {
    env: {
      ...process.env,
      KUBECONFIG: cp.kubeconfigPath,
      METRICS_PORT: String(port),
      LEASE_NAME: leaseName,
      LEASE_NAMESPACE: "default",
      LEASE_DURATION: "6",
      POD_NAME: "proc-0",
      CLUSTER_NAME: "test",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", resolveExit));
  try {
    await waitFor(
      "/readyz",
      async () => ((await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok ? true : undefined),
      { timeoutMs: 30_000 },
    );
    const metrics = await waitFor("leader", async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return text.includes('netipallocation_controller_is_leader{pod_name="proc-0",cluster="test"} 1')
        ? text
        : undefined;
    });
    return new Set([...metrics.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
  } finally {
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const lease = await cp.kubeConfig
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: leaseName, namespace: "default" });
    expect(lease.spec?.holderIdentity ?? "").toBe("");
  }
}
