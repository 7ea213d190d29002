import fc from "fast-check";
import { decide } from "./decide.js";
import { NOW, applyActions, cloudWrites, input, node, pod, type Scenario } from "../../test/decide-scenarios.js";
import type { NodeView } from "./types.js";

const IPS = ["10.0.0.1", "10.0.0.2", "10.0.0.3"];

const nodeArb = (name: string) =>
  fc
    .record({
      zone: fc.constantFrom("z1", "z2"),
      ready: fc.constantFrom("True", "True", "True", "False", "Unknown"),
      notReadyFor: fc.integer({ min: 0, max: 120_000 }),
      unschedulable: fc.boolean(),
      deleting: fc.boolean(),
      selected: fc.boolean(),
      labelled: fc.boolean(),
      createdAt: fc.integer({ min: 0, max: 10 }),
    })
    .map((r): NodeView =>
      node(name, {
        zone: r.zone,
        ready: r.ready as NodeView["ready"],
        readySince: NOW - r.notReadyFor,
        unschedulable: r.unschedulable,
        deleting: r.deleting && r.unschedulable,
        createdAt: r.createdAt,
        labels: { role: r.selected ? "public" : "private", ...(r.labelled ? { "ip.ready": "true" } : {}) },
      }),
    );

const NAMES = ["n0", "n1", "n2", "n3", "n4", "n5"];

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    nodes: fc.tuple(...NAMES.map(nodeArb)),
    holders: fc.tuple(...IPS.map(() => fc.constantFrom<string | undefined>(undefined, ...NAMES, "foreign:x"))),
    podNodes: fc.array(fc.constantFrom(...NAMES), { maxLength: 5 }),
    occupied: fc.subarray(NAMES, { maxLength: 2 }),
    takeover: fc.boolean(),
    atomic: fc.boolean(),
  })
  .map(({ nodes, holders, podNodes, occupied, takeover, atomic }) => {
    // The cloud never shows one IP on two instances or two IPs on one instance: keep the generated start state valid.
    const holdings: Record<string, string | undefined> = {};
    const used = new Set<string>(occupied);
    IPS.forEach((ip, i) => {
      const holder = holders[i];
      if (
        holder &&
        (holder.startsWith("foreign:") ? ![...Object.values(holdings)].includes(holder) : !used.has(holder))
      ) {
        holdings[ip] = holder;
        used.add(holder);
      }
    });
    return {
      spec: { reservedIPs: IPS, allowForeignTakeover: takeover },
      nodes,
      holdings,
      pods: podNodes.map((n, i) => pod(`web-${i}`, n)),
      occupiedByOthers: new Map(occupied.map((n) => [n, { allocation: "other", ip: `10.9.9.${n}` }])),
      supportsAtomicReassociate: atomic,
    };
  });

describe("decide (properties)", () => {
  it("never puts one IP on two nodes or two IPs on one node, and labels only after attaching", () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        // applyActions throws on any unsafe write, or a label before its attach.
        applyActions(scenario, decide(input(scenario)).actions);
      }),
      { numRuns: 500 },
    );
  });

  it("is idempotent: after applying its actions, deciding again writes nothing to the cloud", () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const first = decide(input(scenario));
        const after = applyActions(scenario, first.actions);
        const second = decide(input({ ...after, previousStatus: first.status }));
        expect(cloudWrites(second)).toEqual([]);
        const third = decide(input({ ...applyActions(after, second.actions), previousStatus: second.status }));
        expect(third.actions.filter((a) => a.type === "label")).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it("is deterministic whatever the order of nodes", () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const a = decide(input(scenario));
        const b = decide(input({ ...scenario, nodes: [...scenario.nodes].reverse() }));
        expect(cloudWrites(b)).toEqual(cloudWrites(a));
        expect(b.status).toEqual(a.status);
      }),
    );
  });

  it("attaches only to eligible nodes, and places every IP it can", () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const out = decide(input(scenario));
        for (const action of out.actions) {
          if (action.type !== "attach") continue;
          const target = scenario.nodes.find((n) => n.name === action.node)!;
          expect(target.ready).toBe("True");
          expect(target.unschedulable).toBe(false);
          expect(target.labels.role).toBe("public");
        }
        const unattached = out.status.assignments!.filter((a) => a.state === "Unattached").length;
        if (unattached > 0) expect(out.events.map((e) => e.reason)).toContain("NoEligibleNode");
      }),
    );
  });
});
