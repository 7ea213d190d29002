import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ComputeFront } from "@ipac/cloud-sim";
import { PrometheusServer, chartTools, freePort, run, waitFor, type ChartTools } from "@ipac/testenv";
import { AppsV1Api } from "@kubernetes/client-node";
import { parse } from "yaml";
import { Harness, type ControllerProcess, gcpProcessEnv } from "../test/e2e-harness.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const chart = join(root, "charts/ip-address-controller");
const CLUSTER = "e2e";
const JOB = "ipac";
/** The chart's alert durations, shortened through its values (as a user would set them). */
const THRESHOLDS = {
  noLeaderFor: "1s",
  crdUnhealthyFor: "3s",
  unattachedWarningFor: "2s",
  unattachedCriticalFor: "3s",
  cloudApiErrorsFor: "2s",
  nodeCordonedWithIPFor: "2s",
  reconcileErrorsFor: "2s",
  controllerDownFor: "2s",
  notReadyFor: "20s",
  slowReconcileFor: "20s",
  rateWindow: "10s",
};

// The controller as in production (two replicas of its entry point, on GCP through the cloud simulator),
// scraped by a real Prometheus that evaluates the chart's rules, through the situations the alerts and the
// dashboard are for. Everything is asserted through Prometheus' HTTP API.
describe("monitoring against a real Prometheus", () => {
  const h = new Harness(`prom-${Date.now().toString(36)}`);
  const front = new ComputeFront(h.world, "proj");
  const name = `${h.prefix}-app`;
  const ips = ["34.121.0.1", "34.121.0.2"];
  const extraIP = "34.121.0.3";
  const replicas: { id: string; port: number; process?: ControllerProcess }[] = [];
  let tools: ChartTools;
  let prometheus: PrometheusServer;
  let endpoint = "";
  /** Alert name → what the test saw of it: pending before firing, firing, resolved. */
  const seen = new Map<string, string[]>();
  const failovers: { move: string; measured: number; histogram: number }[] = [];

  const startReplica = async (replica: (typeof replicas)[number]) => {
    replica.process = await h.spawnController(
      replica.id,
      {
        ...gcpProcessEnv(endpoint),
        METRICS_PORT: String(replica.port),
        CLUSTER_NAME: CLUSTER,
      },
      6,
    );
    await waitFor(`${replica.id} ready`, async () =>
      (await fetch(`http://127.0.0.1:${replica.port}/readyz`).catch(() => undefined))?.ok ? true : undefined,
    );
  };

  beforeAll(async () => {
    tools = await chartTools();
    await h.setUp();
    const { host, port } = await front.listen();
    endpoint = `http://${host}:${port}`;
    await h.addNodes(["a", "b", "c"], "us-west1-a");
    h.reserve([...ips, extraIP], "gcp", "us-west1");
    for (const i of [0, 1]) replicas.push({ id: `${h.prefix}-${i}`, port: await freePort() });
    for (const replica of replicas) await startReplica(replica);

    const set = Object.entries({ ...THRESHOLDS, enabled: true, scrapeJob: JOB })
      .map(([key, value]) =>
        key in THRESHOLDS ? `prometheusRule.thresholds.${key}=${value}` : `prometheusRule.${key}=${value}`,
      )
      .join(",");
    const rendered = await run(tools.helm, [
      "template",
      "ipac",
      chart,
      "--set",
      set,
      "-s",
      "templates/prometheusrule.yaml",
    ]);
    prometheus = await PrometheusServer.start({
      binary: tools.prometheus,
      job: JOB,
      targets: replicas.map((r) => `127.0.0.1:${r.port}`),
      rules: JSON.stringify(parse(rendered).spec),
    });
    // Prometheus applies its first targets a few seconds after start: until then `up` is absent, which
    // NetIPAllocationControllerDown reports. The scenario starts once both replicas are scraped and all is quiet.
    await waitFor(
      "both replicas scraped, no alert",
      async () =>
        (await prometheus.scalar(`count(up{job="${JOB}"} == 1)`)) === 2 && (await prometheus.alerts()).length === 0
          ? true
          : undefined,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  });

  afterAll(async () => {
    await prometheus?.stop();
    await h.kc
      ?.makeApiClient(AppsV1Api)
      .deleteNamespacedDeployment({ name, namespace: "default" })
      .catch(() => undefined);
    await front.close();
    await h.tearDown();
    console.log(
      `alerts seen: ${JSON.stringify(Object.fromEntries(seen))}\nfailover histogram vs measured: ${JSON.stringify(failovers)}`,
    );
  });

  const firing = async (alertname: string) =>
    (await prometheus.alerts()).some((a) => a.labels.alertname === alertname && a.state === "firing");

  /** Waits for each alert to fire, checks it was pending first, applies the fix, waits for each to resolve. */
  async function alertsFireAndResolve(alertnames: string[], fix: () => Promise<void>): Promise<void> {
    for (const alertname of alertnames) {
      await waitFor(`${alertname} firing`, async () => ((await firing(alertname)) ? true : undefined), {
        timeoutMs: 60_000,
        intervalMs: 250,
      });
      const states = await prometheus.query(`max_over_time(ALERTS{alertname="${alertname}"}[5m])`);
      expect([...new Set(states.map((s) => s.metric.alertstate))].sort()).toEqual(["firing", "pending"]);
      seen.set(alertname, ["pending", "firing"]);
    }
    await fix();
    for (const alertname of alertnames) {
      await waitFor(
        `${alertname} resolved`,
        async () => ((await prometheus.alerts()).some((a) => a.labels.alertname === alertname) ? undefined : true),
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      seen.get(alertname)!.push("resolved");
    }
  }

  const labelled = () => h.labelledNodes();
  /** When a node not in `before` (the labelled nodes before a move) first carries ip.ready=true, polled every 50 ms. */
  async function newlyLabelled(before: string[]): Promise<{ node: string; at: number }> {
    return waitFor(
      "a newly labelled node",
      async () => {
        const node = (await labelled()).find((n) => !before.includes(n));
        return node ? { node, at: Date.now() } : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
  }

  const histogram = async () => ({
    sum: (await prometheus.scalar(`sum(netipallocation_failover_seconds_sum{cluster="${CLUSTER}"})`)) ?? 0,
    count: (await prometheus.scalar(`sum(netipallocation_failover_seconds_count{cluster="${CLUSTER}"})`)) ?? 0,
  });

  /** The one failover Prometheus recorded since `before`, compared with the test's own measure. */
  async function expectFailover(move: string, before: { sum: number; count: number }, measuredMs: number) {
    const after = await waitFor(
      `${move} in the failover histogram`,
      async () => {
        const now = await histogram();
        return now.count > before.count ? now : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    expect(after.count - before.count).toBe(1);
    const observed = after.sum - before.sum;
    failovers.push({ move, measured: measuredMs / 1000, histogram: Number(observed.toFixed(3)) });
    expect(Math.abs(observed - measuredMs / 1000)).toBeLessThan(0.4);
  }

  it("attaches; alerts on a shortfall, a cordoned node with an IP, an outage and a lost leader; measures failovers", async () => {
    const scenarioStart = Date.now() / 1000;
    // Attach: the workload's pods run only where an IP is.
    await h.createAllocation(name, {
      reservedIPs: ips,
      cloud: { provider: "gcp", region: "us-west1" },
      workloadRef: { kind: "Deployment", name, namespace: "default" },
      reconcileInterval: 5,
    });
    await h.kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace: "default",
      body: {
        metadata: { name },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: {
              nodeSelector: { ...h.poolLabel, "ip.ready": "true" },
              containers: [{ name: "app", image: "registry.example/app:1" }],
            },
          },
        },
      },
    });
    let holders = await h.waitConverged(name, ips);
    // Converged: once Prometheus has scraped that, no alert is even pending.
    await waitFor("no alert once attached", async () => ((await prometheus.alerts()).length === 0 ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 250,
    });

    // A shortfall: a third IP while the only free node is cordoned.
    const spare = ["a", "b", "c"].map((s) => h.nodeName(s)).find((n) => !Object.values(holders).includes(n))!;
    await h.nodes.cordon(spare);
    await h.patchAllocation(name, { spec: { reservedIPs: [...ips, extraIP] } });
    await alertsFireAndResolve(
      ["NetIPAllocationUnattachedIPsWarning", "NetIPAllocationUnattachedIPsCritical", "NetIPAllocationCRDUnhealthy"],
      () => h.nodes.uncordon(spare),
    );
    holders = await h.waitConverged(name, [...ips, extraIP]);

    // A cordoned node keeps its IP while the workload runs there; drained, the IP moves to a new node.
    const pods = await waitFor("workload pods running", async () => {
      const running = await h.runningPods(name);
      return running.length === 2 ? running : undefined;
    });
    const drained = pods[0]!.node;
    let before = await histogram();
    const cordonedAt = Date.now();
    await h.nodes.cordon(drained);
    await alertsFireAndResolve(["NetIPAllocationNodeCordonedWithIP"], async () => {
      const labelledBefore = await labelled();
      await h.addNodes(["d"], "us-west1-a");
      await h.nodes.drain(drained);
      const { node, at } = await newlyLabelled(labelledBefore);
      expect(node).toBe(h.nodeName("d"));
      await expectFailover("drain", before, at - cordonedAt);
    });

    // Node failure: its IP moves after the allocation's grace period (2 s) to the uncordoned node.
    await h.nodes.uncordon(drained);
    holders = await h.waitConverged(name, [...ips, extraIP]);
    const failed = Object.values(holders).find((n) => n !== h.nodeName("d"))!;
    before = await histogram();
    const labelledBefore = await labelled();
    await h.nodes.fail(failed);
    const notReadyAt = await waitFor(
      `${failed} NotReady`,
      async () => {
        const ready = (await h.core.readNode({ name: failed })).status?.conditions?.find((c) => c.type === "Ready");
        return ready?.status !== "True" ? Date.now() : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    const { at: movedAt } = await newlyLabelled(labelledBefore);
    await expectFailover("node failure", before, movedAt - notReadyAt);

    // A GCP outage: every read fails. One alert for it (the GCP one, not also the provider-agnostic one), and
    // the reconciles count as errors.
    front.faults.failNext("addresses.list", "backendError", 503, 1_000_000);
    await alertsFireAndResolve(["NetIPAllocationGCPAPIErrors", "NetIPAllocationHighReconcileErrorRate"], async () => {
      front.faults.failNext("addresses.list", "backendError", 503, 0);
    });

    // The leader killed: no leader until the standby's lease takes over, and its scrape target is down until
    // it is restarted.
    const [leaderSample] = await prometheus.query(`netipallocation_controller_is_leader{cluster="${CLUSTER}"} == 1`);
    const leader = replicas.find((r) => r.id === leaderSample!.metric.pod_name)!;
    leader.process!.child.kill("SIGKILL");
    await leader.process!.exited;
    await alertsFireAndResolve(["NetIPAllocationNoLeader", "NetIPAllocationControllerDown"], () =>
      startReplica(leader),
    );

    // Nothing else fired, and the GCP outage did not also fire the provider-agnostic alert.
    const end = Date.now() / 1000;
    const fired = await prometheus.query(
      `max_over_time(ALERTS{alertstate="firing"}[${Math.ceil(end - scenarioStart) + 5}s])`,
      end,
    );
    expect(new Set(fired.map((s) => s.metric.alertname))).toEqual(new Set(seen.keys()));

    // Every dashboard query returned data during the scenario.
    const dashboard = JSON.parse(await readFile(join(chart, "files/dashboard.json"), "utf8")) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const empty: string[] = [];
    for (const panel of dashboard.panels) {
      for (const { expr } of panel.targets ?? []) {
        const query = expr.replaceAll("$cluster", CLUSTER).replaceAll("$__rate_interval", "10s");
        if ((await prometheus.queryRange(query, scenarioStart, end, 1)).length === 0)
          empty.push(`${panel.title}: ${expr}`);
      }
    }
    expect(empty).toEqual([]);
  }, 600_000);
});
