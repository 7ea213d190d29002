import { randomBytes } from "node:crypto";
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from "@kubernetes/client-node";
import { Counter, type Registry } from "prom-client";
import { statusCode } from "../api-errors.js";
import { EventAggregator, type EventType, type InvolvedObject } from "./aggregation.js";

export interface EventRecorderOptions {
  kubeConfig: KubeConfig;
  /** source.component / reportingComponent, e.g. "ip-address-controller". */
  component: string;
  /** reportingInstance, e.g. the pod name. */
  instance: string;
  registry?: Registry;
  maxBuffered?: number;
  onError?: (error: unknown) => void;
}

interface Pending {
  object: InvolvedObject;
  type: EventType;
  reason: string;
  message: string;
  at: number;
}

/**
 * Writes core/v1 Events that `kubectl describe` shows. `record` never blocks or throws: events go into a bounded
 * buffer written in the background (dropped and counted when full), aggregated and rate-limited like client-go.
 * Events about cluster-scoped objects go to namespace "default", where kubectl describe looks for them.
 */
export class EventRecorder {
  private readonly core: CoreV1Api;
  private readonly aggregator = new EventAggregator();
  private readonly buffer: Pending[] = [];
  private readonly dropped?: Counter<"reason">;
  private draining?: Promise<void>;

  constructor(private readonly options: EventRecorderOptions) {
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    if (options.registry) {
      this.dropped = new Counter({
        name: "events_dropped_total",
        help: "Events not written: buffer full or rate-limited",
        labelNames: ["reason"],
        registers: [options.registry],
      });
    }
  }

  record(object: InvolvedObject, type: EventType, reason: string, message: string): void {
    if (this.buffer.length >= (this.options.maxBuffered ?? 1000)) {
      this.dropped?.inc({ reason: "buffer_full" });
      return;
    }
    this.buffer.push({ object, type, reason, message, at: Date.now() });
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  /** Resolves once everything recorded so far is written (or failed). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    for (let next = this.buffer.shift(); next; next = this.buffer.shift()) {
      try {
        await this.write(next);
      } catch (error) {
        this.options.onError?.(error);
      }
    }
  }

  private async write({ object, type, reason, message, at }: Pending): Promise<void> {
    const decision = this.aggregator.decide(object, type, reason, message, at);
    if (decision.kind === "drop") {
      this.dropped?.inc({ reason: "rate_limited" });
      return;
    }
    const timestamp = new Date(at);
    if (decision.kind === "patch") {
      try {
        await this.core.patchNamespacedEvent(
          {
            name: decision.name,
            namespace: decision.namespace,
            body: { count: decision.count, lastTimestamp: timestamp },
          },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
        );
        return;
      } catch (error) {
        if (statusCode(error) !== 404) throw error;
        this.aggregator.forget(decision.key);
      }
    }
    const namespace = object.namespace || "default";
    const name = `${object.name}.${at.toString(16)}${randomBytes(2).toString("hex")}`;
    await this.core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { name, namespace },
        involvedObject: object,
        type,
        reason,
        message: message.slice(0, 1024),
        source: { component: this.options.component },
        reportingComponent: this.options.component,
        reportingInstance: this.options.instance,
        firstTimestamp: timestamp,
        lastTimestamp: timestamp,
        count: 1,
      },
    });
    this.aggregator.created(decision.key, name, namespace, at);
  }
}
