/** Any Kubernetes object as the cache sees it: typed reads and raw watch JSON alike. */
export interface CachedObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export type IndexFunction<T> = (object: T) => readonly string[];

export function objectKey(object: CachedObject): string {
  const { namespace, name } = object.metadata ?? {};
  return namespace ? `${namespace}/${name}` : (name ?? "");
}

/** What a Replace (relist) changed, to be emitted as events. */
export interface ReplaceDiff<T> {
  added: T[];
  updated: { object: T; old: T }[];
  deleted: T[];
}

/**
 * The informer's cache: objects by namespace/name plus secondary indexes, so consumers look up what changed
 * instead of scanning everything.
 */
export class Store<T extends CachedObject> {
  private readonly objects = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunction<T>>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();

  addIndex(name: string, fn: IndexFunction<T>): void {
    this.indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indexes.set(name, index);
    for (const [key, object] of this.objects) for (const value of fn(object)) add(index, value, key);
  }

  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  list(): IterableIterator<T> {
    return this.objects.values();
  }

  get size(): number {
    return this.objects.size;
  }

  byIndex(name: string, value: string): T[] {
    const keys = this.indexes.get(name)?.get(value);
    if (!keys) return [];
    return [...keys].map((key) => this.objects.get(key)!);
  }

  /** Stores the object; returns the previous version, if any. */
  upsert(object: T): T | undefined {
    const key = objectKey(object);
    const old = this.objects.get(key);
    if (old) this.unindex(key, old);
    this.objects.set(key, object);
    for (const [name, fn] of this.indexers) for (const value of fn(object)) add(this.indexes.get(name)!, value, key);
    return old;
  }

  delete(object: T): T | undefined {
    const key = objectKey(object);
    const old = this.objects.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.objects.delete(key);
    return old;
  }

  /** Replaces the whole content (after a list), returning what changed, like a client-go reflector's Replace. */
  replace(objects: T[]): ReplaceDiff<T> {
    const diff: ReplaceDiff<T> = { added: [], updated: [], deleted: [] };
    const seen = new Set<string>();
    for (const object of objects) {
      seen.add(objectKey(object));
      const old = this.upsert(object);
      if (!old) diff.added.push(object);
      else if (old.metadata?.resourceVersion !== object.metadata?.resourceVersion) diff.updated.push({ object, old });
    }
    for (const [key, object] of [...this.objects]) {
      if (seen.has(key)) continue;
      this.unindex(key, object);
      this.objects.delete(key);
      diff.deleted.push(object);
    }
    return diff;
  }

  private unindex(key: string, object: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indexes.get(name)!;
      for (const value of fn(object)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
}

function add(index: Map<string, Set<string>>, value: string, key: string): void {
  const keys = index.get(value) ?? new Set<string>();
  keys.add(key);
  index.set(value, keys);
}
