import { CloudError, FencedError, OPEN_FENCE, type InstanceRef, type WriteFence } from "@ipac/cloud";
import type { ConformanceTarget, InjectedKind } from "./target.js";

const INJECTED: InjectedKind[] = ["RateLimited", "Transient", "Permission", "InvalidInput"];

/**
 * One conformance suite for every adapter: the same behaviour is expected of GCP, AWS and Azure, whichever
 * backend (a cloud-sim front, or moto) speaks the cloud's wire protocol to the unmodified official SDK.
 * The tests run in order and share the backend's state, as a controller's calls would.
 */
export function describeConformance(
  name: string,
  start: () => Promise<ConformanceTarget>,
  backend: { simulated: boolean; asyncWrites: boolean },
): void {
  describe(`${name}: adapter conformance`, () => {
    let target: ConformanceTarget;
    beforeAll(async () => {
      target = await start();
    });
    afterAll(async () => {
      await target?.close();
    });
    afterEach(() => {
      // Whatever happened, no IP is ever on two instances.
      expect(target.sim?.world.ipsOnTwoInstances() ?? []).toEqual([]);
    });

    const observe = (ips: readonly string[]) => target.provider.describeAddresses(target.scope, ips);
    const holderOf = async (ip: string) => (await observe([ip])).get(ip)?.holder;
    const attach = (ip: string, node: InstanceRef, reassociate = false) =>
      target.provider.attach(target.scope, ip, node, { fence: OPEN_FENCE, reassociate });
    const detach = (ip: string, node: InstanceRef) =>
      target.provider.detach(target.scope, ip, node, { fence: OPEN_FENCE });
    const failure = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: unknown) => error,
      );

    it("observes all IPs in one read: reserved or not, free or held", async () => {
      const [a, b] = target.ips;
      const seen = await observe([a, b, target.unknownIP]);
      expect(seen.get(a)).toMatchObject({ ip: a, reserved: true });
      expect(seen.get(a)?.holder).toBeUndefined();
      expect(seen.get(b)).toMatchObject({ ip: b, reserved: true });
      expect(seen.get(target.unknownIP)).toEqual({ ip: target.unknownIP, reserved: false });
    });

    it("attaches an IP to a node, which the next observation reports under the node's key; repeating is a no-op", async () => {
      const [node] = target.nodes;
      await attach(target.ips[0], node);
      expect(await holderOf(target.ips[0])).toMatchObject({ key: node.key, name: node.name });
      await attach(target.ips[0], node);
      expect((await holderOf(target.ips[0]))?.key).toBe(node.key);
      if (target.sim) expect(target.sim.world.history.filter((change) => change.ip === target.ips[0])).toHaveLength(1);
    });

    it("refuses an IP held by another instance (Conflict) and leaves it where it is", async () => {
      const [holder, other] = target.nodes;
      const error = await failure(attach(target.ips[0], other));
      expect(error).toBeInstanceOf(CloudError);
      expect(error).toMatchObject({ kind: "Conflict", provider: target.provider.name });
      expect((await holderOf(target.ips[0]))?.key).toBe(holder.key);
    });

    it("never replaces a static IP a node already holds with another (Conflict)", async () => {
      const [node] = target.nodes;
      await expect(attach(target.ips[1], node)).rejects.toMatchObject({ kind: "Conflict" });
      const seen = await observe(target.ips);
      expect(seen.get(target.ips[0])?.holder?.key).toBe(node.key);
      expect(seen.get(target.ips[1])?.holder).toBeUndefined();
    });

    it("moves an IP between nodes: atomically where the cloud can, else detach then attach", async () => {
      const [from, to] = target.nodes;
      if (target.provider.supportsAtomicReassociate) {
        await attach(target.ips[0], to, true);
      } else {
        await detach(target.ips[0], from);
        expect(await holderOf(target.ips[0])).toBeUndefined();
        await attach(target.ips[0], to);
      }
      expect((await holderOf(target.ips[0]))?.key).toBe(to.key);
    });

    it("detaches only from the node holding the IP, and repeating is a no-op", async () => {
      const [other, holder] = target.nodes;
      await detach(target.ips[0], other);
      expect((await holderOf(target.ips[0]))?.key).toBe(holder.key);
      await detach(target.ips[0], holder);
      await detach(target.ips[0], holder);
      expect(await holderOf(target.ips[0])).toBeUndefined();
    });

    it("reports an IP that is not reserved, and an instance the cloud does not know, as NotFound", async () => {
      await expect(attach(target.unknownIP, target.nodes[0])).rejects.toMatchObject({ kind: "NotFound" });
      await expect(attach(target.ips[1], target.ghost)).rejects.toMatchObject({ kind: "NotFound" });
      expect(await holderOf(target.ips[1])).toBeUndefined();
    });

    // moto cannot inject faults and EC2 writes are synchronous: such tests are not registered for them at all.
    if (!backend.simulated) return;
    describe("with faults injected by the simulator", () => {
      const sim = () => {
        if (!target.sim) throw new Error(`${name} cannot inject faults`);
        return target.sim;
      };

      it.each(INJECTED)("classifies a %s answer to an observation", async (kind) => {
        const { faults, observeOperation, errors } = sim();
        // Throttling says how long to wait, each cloud its own way (GCP RetryInfo, a Retry-After header).
        faults.failNext(observeOperation, errors[kind].code, errors[kind].status, 1_000, 3);
        try {
          const error = await failure(observe(target.ips));
          expect(error).toMatchObject({ kind, provider: target.provider.name });
          if (kind === "RateLimited") expect((error as CloudError).retryAfterMs).toBe(3_000);
        } finally {
          faults.failNext(observeOperation, errors[kind].code, errors[kind].status, 0);
        }
      });

      it.each(INJECTED)("surfaces a %s answer to a write, changing nothing; the next try converges", async (kind) => {
        const { faults, writeOperation, errors, world } = sim();
        const [node] = target.nodes;
        faults.failNext(writeOperation, errors[kind].code, errors[kind].status, 1_000);
        try {
          await expect(attach(target.ips[1], node)).rejects.toMatchObject({ kind });
          expect(world.holderOf(target.ips[1])).toBeUndefined();
        } finally {
          faults.failNext(writeOperation, errors[kind].code, errors[kind].status, 0);
        }
        await attach(target.ips[1], node);
        expect(world.holderOf(target.ips[1])?.key).toBe(node.key);
        await detach(target.ips[1], node);
      });

      // Leadership fencing: whatever the adapter's steps and its SDK's retries, no write request leaves once the
      // fence has closed.
      const writesSent = () =>
        [...sim().faults.calls].filter(([operation]) => WRITE_OPERATIONS.has(operation)).reduce((n, [, c]) => n + c, 0);
      /** A lease lost while the first write request is at the cloud (it takes 300 ms there). */
      const fenceLostDuringFirstWrite = async (): Promise<WriteFence> => {
        await target.settled?.();
        sim().faults.latency({ minMs: 300 }, sim().writeOperation);
        const lease = new AbortController();
        const before = writesSent();
        let checks = 0;
        const watcher = setInterval(() => {
          if (writesSent() > before) lease.abort();
        }, 2);
        lease.signal.addEventListener("abort", () => clearInterval(watcher));
        return {
          signal: lease.signal,
          check: (operation) => {
            if (lease.signal.aborted || checks++ > 0) failClosed(operation);
          },
        };
      };
      const fenceTestDone = async () => {
        sim().faults.latency({ minMs: 0 }, sim().writeOperation);
        // The abandoned request still completes at the cloud (300 ms after it arrived): let it land.
        await new Promise((resolve) => setTimeout(resolve, 400));
        await target.settled?.();
      };

      it("sends no write request through a closed fence", async () => {
        await target.settled?.();
        const closed = new AbortController();
        closed.abort();
        const before = writesSent();
        await expect(
          target.provider.attach(target.scope, target.ips[1], target.nodes[0], {
            fence: { signal: closed.signal, check: (operation) => failClosed(operation) },
          }),
        ).rejects.toBeInstanceOf(FencedError);
        expect(writesSent() - before).toBe(0);
        expect(sim().world.holderOf(target.ips[1])).toBeUndefined();
      });

      it("stops after the write in flight when the fence closes during it: no later step is sent", async () => {
        const [node] = target.nodes;
        const fence = await fenceLostDuringFirstWrite();
        const before = writesSent();
        try {
          await expect(target.provider.attach(target.scope, target.ips[1], node, { fence })).rejects.toBeInstanceOf(
            FencedError,
          );
          await target.settled?.();
          expect(writesSent() - before).toBe(1);
        } finally {
          await fenceTestDone();
        }
        // The next leader converges from whatever the interrupted step left.
        await attach(target.ips[1], node);
        expect(sim().world.holderOf(target.ips[1])?.key).toBe(node.key);
        await detach(target.ips[1], node);
      });

      it("gives up on a call that hangs, as Transient, within its deadline", async () => {
        const { faults, withDeadlines } = sim();
        const impatient = withDeadlines({ callMs: 300, operationMs: 1_000 });
        faults.latency({ minMs: 3_000 });
        const started = Date.now();
        try {
          await expect(impatient.provider.describeAddresses(target.scope, target.ips)).rejects.toMatchObject({
            kind: "Transient",
          });
          expect(Date.now() - started).toBeLessThan(2_500);
        } finally {
          faults.latency({ minMs: 0 });
          await impatient.close();
        }
      });

      const asyncWrites = () => {
        const { setOperationDelay } = sim();
        if (!setOperationDelay) throw new Error(`${name} has no asynchronous writes`);
        return setOperationDelay;
      };
      if (!backend.asyncWrites) return;

      it("waits for an asynchronous write (Operation, long-running operation) before it returns", async () => {
        const [node] = target.nodes;
        asyncWrites()(200);
        try {
          const started = Date.now();
          await attach(target.ips[1], node);
          expect(Date.now() - started).toBeGreaterThanOrEqual(200);
          expect(sim().world.holderOf(target.ips[1])?.key).toBe(node.key);
        } finally {
          asyncWrites()(0);
        }
      });

      it("gives up on an asynchronous write stuck in progress, as Transient", async () => {
        const impatient = sim().withDeadlines({ callMs: 2_000, operationMs: 300 });
        asyncWrites()(60_000);
        try {
          await expect(
            impatient.provider.detach(target.scope, target.ips[1], target.nodes[0], { fence: OPEN_FENCE }),
          ).rejects.toMatchObject({ kind: "Transient" });
        } finally {
          asyncWrites()(0);
          await impatient.close();
        }
      });
    });
  });
}

/** The write requests of every front, as their simulators name them. */
const WRITE_OPERATIONS = new Set([
  "instances.deleteAccessConfig",
  "instances.addAccessConfig",
  "AssociateAddress",
  "DisassociateAddress",
  "networkInterfaces.createOrUpdate",
]);

function failClosed(operation: string): never {
  throw new FencedError(operation);
}
