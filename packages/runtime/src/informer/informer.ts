import { HttpMethod, RequestContext, Watch, type KubeConfig } from "@kubernetes/client-node";
import { InterruptibleSleep } from "../interruptible-sleep.js";
import { Counter, Gauge, type Registry } from "prom-client";
import { Subject, type Observable } from "rxjs";
import { fetch } from "undici";
import { Backoff } from "./backoff.js";
import { Store, type CachedObject } from "./store.js";

export interface InformerEvent<T> {
  type: "add" | "update" | "delete";
  object: T;
  old?: T;
}

export interface InformerOptions<T extends CachedObject> {
  kubeConfig: KubeConfig;
  /** Collection path, e.g. /api/v1/nodes or /apis/apps/v1/replicasets. */
  path: string;
  /** Metric label, e.g. "nodes". */
  resource: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Trims each object before it is cached: keep only what consumers read. */
  transform?: (object: T) => T;
  registry?: Registry;
  /** Page size of the initial list. */
  pageSize?: number;
  /** Server-side watch timeout; the watch is resumed from the last resourceVersion afterwards. */
  watchTimeoutSeconds?: number;
  /** Every failed list or watch, before the restart with backoff (410 Gone relists and is not an error). */
  onError?: (error: unknown, resource: string) => void;
}

interface InformerMetrics {
  restarts: Counter<"resource">;
  relists: Counter<"resource">;
  lastEvent: Gauge<"resource">;
  storeSize: Gauge<"resource">;
}

const metricsByRegistry = new WeakMap<Registry, InformerMetrics>();

function informerMetrics(registry: Registry): InformerMetrics {
  let metrics = metricsByRegistry.get(registry);
  if (!metrics) {
    const labelNames = ["resource"] as const;
    const registers = [registry];
    metrics = {
      restarts: new Counter({
        name: "informer_watch_restarts_total",
        help: "Watch restarts after errors",
        labelNames,
        registers,
      }),
      relists: new Counter({
        name: "informer_relists_total",
        help: "Full relists (start, 410 Gone)",
        labelNames,
        registers,
      }),
      lastEvent: new Gauge({
        name: "informer_last_event_timestamp_seconds",
        help: "When the last watch event or bookmark arrived",
        labelNames,
        registers,
      }),
      storeSize: new Gauge({
        name: "informer_store_objects",
        help: "Objects in the informer cache",
        labelNames,
        registers,
      }),
    };
    metricsByRegistry.set(registry, metrics);
  }
  return metrics;
}

class GoneError extends Error {}

/** How long after its server-side timeout a watch that has not ended is taken for dead. */
const WATCH_END_MARGIN_MS = 30_000;

/**
 * A supervised informer. client-node's own informer stops for good on any error but 410 and has no watchdog;
 * this one lists (paged), then watches from the list's resourceVersion with bookmarks, resumes after every
 * normal watch end, relists on 410 Gone (emitting what changed meanwhile), and restarts after errors with
 * jittered backoff. Each watch asks the server to end it after 5–10 min, picked at random as client-go does, and
 * allows bookmarks (a resume after an end does not relist). client-node's Watch aborts a watch silent for its
 * `requestTimeoutMs` (30 s by default, so every quiet watch reconnected every 30 s); set to the server-side timeout
 * plus a margin, as client-go's request timeout is: a watch the server has not ended by then is taken for dead
 * (the API server's bookmarks cannot serve as a heartbeat: it sends one only once the resource's version moved).
 */
export class Informer<T extends CachedObject> {
  readonly store = new Store<T>();
  readonly synced: Promise<void>;
  private readonly subject = new Subject<InformerEvent<T>>();
  private readonly metrics?: InformerMetrics;
  private readonly backoff = new Backoff();
  private markSynced!: () => void;
  private hasSyncedFlag = false;
  private resourceVersion?: string;
  private stopped = false;
  private currentWatch?: AbortController;
  private readonly sleeper = new InterruptibleSleep();
  private running?: Promise<void>;

  constructor(private readonly options: InformerOptions<T>) {
    this.synced = new Promise((resolve) => (this.markSynced = resolve));
    if (options.registry) this.metrics = informerMetrics(options.registry);
    // Zero from the start, so rate() reads 0 rather than "no data" before the first restart.
    this.metrics?.restarts.inc({ resource: options.resource }, 0);
  }

  get events$(): Observable<InformerEvent<T>> {
    return this.subject.asObservable();
  }

  get hasSynced(): boolean {
    return this.hasSyncedFlag;
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.currentWatch?.abort();
    this.sleeper.wake();
    await this.running;
    this.subject.complete();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.resourceVersion === undefined) await this.relist();
        const startedAt = Date.now();
        await this.watchOnce();
        if (Date.now() - startedAt > 10_000) this.backoff.reset();
      } catch (error) {
        if (this.stopped) break;
        if (error instanceof GoneError) {
          this.resourceVersion = undefined;
          continue;
        }
        this.metrics?.restarts.inc({ resource: this.options.resource });
        this.options.onError?.(error, this.options.resource);
        await this.sleeper.sleep(this.backoff.next());
      }
    }
  }

  private async relist(): Promise<void> {
    const { items, resourceVersion } = await this.listAll();
    this.metrics?.relists.inc({ resource: this.options.resource });
    const diff = this.store.replace(items);
    this.resourceVersion = resourceVersion;
    this.touch();
    for (const object of diff.added) this.subject.next({ type: "add", object });
    for (const { object, old } of diff.updated) this.subject.next({ type: "update", object, old });
    for (const object of diff.deleted) this.subject.next({ type: "delete", object });
    if (!this.hasSyncedFlag) {
      this.hasSyncedFlag = true;
      this.markSynced();
    }
  }

  /**
   * Lists in pages, trimming each page as it arrives: only one page of whole objects is alive at a time, so the
   * peak of a sync stays near the trimmed cache's size (100,000 whole pods at once would be a memory spike).
   */
  private async listAll(): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion: string;
    do {
      const url = new URL(this.options.kubeConfig.getCurrentCluster()!.server + this.options.path);
      url.searchParams.set("limit", String(this.options.pageSize ?? 500));
      if (continueToken) url.searchParams.set("continue", continueToken);
      if (this.options.labelSelector) url.searchParams.set("labelSelector", this.options.labelSelector);
      if (this.options.fieldSelector) url.searchParams.set("fieldSelector", this.options.fieldSelector);
      const context = new RequestContext(url.toString(), HttpMethod.GET);
      await this.options.kubeConfig.applySecurityAuthentication(context);
      const response = await fetch(url, {
        headers: context.getHeaders(),
        dispatcher: context.getDispatcher() as never,
        signal: AbortSignal.timeout(60_000),
      });
      if (response.status === 410) throw new GoneError("list continue token expired");
      if (!response.ok) throw new Error(`list ${this.options.path}: HTTP ${response.status}`);
      const page = (await response.json()) as { items: T[]; metadata: { resourceVersion: string; continue?: string } };
      for (const item of page.items) items.push(this.trim(item));
      continueToken = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion;
    } while (continueToken);
    return { items, resourceVersion };
  }

  private watchOnce(): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        this.currentWatch = undefined;
        if (error === undefined || error === null || isTimeout(error) || this.stopped) resolve();
        else if ((error as { statusCode?: number }).statusCode === 410) reject(new GoneError("watch: 410 Gone"));
        else reject(error);
      };
      const timeoutSeconds = this.options.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
      const query = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        labelSelector: this.options.labelSelector,
        fieldSelector: this.options.fieldSelector,
        timeoutSeconds,
      };
      const watch = new Watch(this.options.kubeConfig);
      // Private in client-node's types, public in its code; the informer's e2e test catches a rename.
      (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = timeoutSeconds * 1000 + WATCH_END_MARGIN_MS;
      watch
        .watch(this.options.path, query, (type, object) => this.onEvent(type, object, finish), finish)
        .then((controller) => {
          if (settled || this.stopped) controller.abort();
          else this.currentWatch = controller;
        })
        .catch(finish);
    });
  }

  private onEvent(type: string, raw: unknown, finish: (error?: unknown) => void): void {
    this.touch();
    if (type === "ERROR") {
      const status = raw as { code?: number; message?: string };
      this.currentWatch?.abort();
      finish(status.code === 410 ? new GoneError(status.message) : new Error(`watch error: ${status.message}`));
      return;
    }
    const object = raw as T;
    const resourceVersion = object.metadata?.resourceVersion;
    if (resourceVersion) this.resourceVersion = resourceVersion;
    if (type === "BOOKMARK") return;
    if (type === "DELETED") {
      const old = this.store.delete(object);
      this.subject.next({ type: "delete", object: old ?? this.trim(object) });
    } else {
      const trimmed = this.trim(object);
      const old = this.store.upsert(trimmed);
      this.subject.next(old ? { type: "update", object: trimmed, old } : { type: "add", object: trimmed });
    }
    this.metrics?.storeSize.set({ resource: this.options.resource }, this.store.size);
  }

  private trim(object: T): T {
    return this.options.transform ? this.options.transform(object) : object;
  }

  private touch(): void {
    this.metrics?.lastEvent.set({ resource: this.options.resource }, Date.now() / 1000);
    this.metrics?.storeSize.set({ resource: this.options.resource }, this.store.size);
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}
