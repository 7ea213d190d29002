import { Backoff } from "./backoff.js";
import { Store, type CachedObject } from "./store.js";

const obj = (name: string, rv: string, node?: string): CachedObject & { node?: string } => ({
  metadata: { name, namespace: "ns", resourceVersion: rv },
  ...(node ? { node } : {}),
});

describe("Store", () => {
  it("indexes objects and keeps indexes right through updates and deletes", () => {
    const store = new Store<CachedObject & { node?: string }>();
    store.addIndex("node", (o) => (o.node ? [o.node] : []));
    store.upsert(obj("a", "1", "n1"));
    store.upsert(obj("b", "1", "n1"));
    expect(store.byIndex("node", "n1").map((o) => o.metadata?.name)).toEqual(["a", "b"]);
    store.upsert(obj("a", "2", "n2"));
    expect(store.byIndex("node", "n1").map((o) => o.metadata?.name)).toEqual(["b"]);
    expect(store.byIndex("node", "n2").map((o) => o.metadata?.name)).toEqual(["a"]);
    store.delete(obj("b", "3"));
    expect(store.byIndex("node", "n1")).toEqual([]);
    expect(store.get("ns/a")?.metadata?.resourceVersion).toBe("2");
  });

  it("replaces its content after a relist and reports what changed while away", () => {
    const store = new Store<CachedObject>();
    store.replace([obj("keep", "1"), obj("change", "1"), obj("gone", "1")]);
    const diff = store.replace([obj("keep", "1"), obj("change", "2"), obj("new", "1")]);
    expect(diff.added.map((o) => o.metadata?.name)).toEqual(["new"]);
    expect(diff.updated.map((u) => [u.old.metadata?.resourceVersion, u.object.metadata?.resourceVersion])).toEqual([
      ["1", "2"],
    ]);
    expect(diff.deleted.map((o) => o.metadata?.name)).toEqual(["gone"]);
    expect(store.size).toBe(3);
  });
});

describe("Backoff", () => {
  it("grows exponentially with jitter up to a cap, and resets", () => {
    const backoff = new Backoff(100, 1000, () => 1);
    expect([1, 2, 3, 4, 5].map(() => backoff.next())).toEqual([100, 200, 400, 800, 1000]);
    backoff.reset();
    expect(backoff.next()).toBe(100);
    expect(new Backoff(100, 1000, () => 0).next()).toBe(50);
  });
});
