import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** controller-runtime's workqueue metrics, labelled by queue name; created once per registry. */
/** What a queue reports about its in-flight work when metrics are scraped. */
export interface InFlightSource {
  readonly name: string;
  inFlightSeconds(): { unfinished: number; longest: number };
}

export interface WorkQueueMetrics {
  /** Queues whose in-flight work is read at scrape time. */
  sources: Set<InFlightSource>;
  depth: Gauge<"name">;
  adds: Counter<"name">;
  queueDuration: Histogram<"name">;
  workDuration: Histogram<"name">;
  retries: Counter<"name">;
  unfinishedWork: Gauge<"name">;
  longestRunning: Gauge<"name">;
}

const byRegistry = new WeakMap<Registry, WorkQueueMetrics>();
const buckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function workQueueMetrics(registry: Registry): WorkQueueMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const labelNames = ["name"] as const;
  const registers = [registry];
  const sources = new Set<InFlightSource>();
  const collectInFlight = (gauge: Gauge<"name">, pick: "unfinished" | "longest") => {
    gauge.reset();
    for (const source of sources) gauge.set({ name: source.name }, source.inFlightSeconds()[pick]);
  };
  const metrics: WorkQueueMetrics = {
    sources,
    depth: new Gauge({ name: "workqueue_depth", help: "Current depth of workqueue", labelNames, registers }),
    adds: new Counter({
      name: "workqueue_adds_total",
      help: "Total number of adds handled by workqueue",
      labelNames,
      registers,
    }),
    queueDuration: new Histogram({
      name: "workqueue_queue_duration_seconds",
      help: "How long in seconds an item stays in workqueue before being requested",
      labelNames,
      buckets,
      registers,
    }),
    workDuration: new Histogram({
      name: "workqueue_work_duration_seconds",
      help: "How long in seconds processing an item from workqueue takes",
      labelNames,
      buckets,
      registers,
    }),
    retries: new Counter({
      name: "workqueue_retries_total",
      help: "Total number of retries handled by workqueue",
      labelNames,
      registers,
    }),
    unfinishedWork: new Gauge({
      name: "workqueue_unfinished_work_seconds",
      help: "How many seconds of work has been done that is in progress",
      labelNames,
      registers,
      collect() {
        collectInFlight(this, "unfinished");
      },
    }),
    longestRunning: new Gauge({
      name: "workqueue_longest_running_processor_seconds",
      help: "How many seconds has the longest running processor for workqueue been running",
      labelNames,
      registers,
      collect() {
        collectInFlight(this, "longest");
      },
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
