import { actionChains } from "./action-chains.js";
import { decide } from "../decide/decide.js";
import { input, node, type Scenario } from "../../test/decide-scenarios.js";
import type { Action } from "../decide/index.js";

const describeAction = (a: Action) =>
  a.type === "label"
    ? `label ${a.node} ${a.set}`
    : a.type === "evict"
      ? `evict ${a.pod}`
      : `${a.type} ${a.ip} ${a.node}`;
const chainsOf = (actions: Action[]) =>
  actionChains(actions).map((chain) => chain.map((i) => describeAction(actions[i]!)));

describe("actionChains", () => {
  it("runs each IP's move as one chain, in order, beside the other IPs' and beside everything else", () => {
    const scenario: Scenario = {
      spec: { reservedIPs: ["10.0.0.1", "10.0.0.2"] },
      nodes: [
        node("a", { unschedulable: true, labels: { role: "public", "ip.ready": "true" } }),
        node("b", { unschedulable: true, labels: { role: "public", "ip.ready": "true" } }),
        node("c"),
        node("d"),
        node("stale", { labels: { role: "public", "ip.ready": "true" } }),
      ],
      holdings: { "10.0.0.1": "a", "10.0.0.2": "b" },
    };
    const { actions } = decide(input(scenario));
    expect(chainsOf(actions)).toEqual([
      ["label stale false"],
      ["label a false", "detach 10.0.0.1 a", "attach 10.0.0.1 c", "label c true"],
      ["label b false", "detach 10.0.0.2 b", "attach 10.0.0.2 d", "label d true"],
    ]);
  });

  it("keeps every action exactly once, and a prerequisite in its dependant's chain", () => {
    const actions: Action[] = [
      { type: "evict", pod: "p", namespace: "default", node: "x" },
      { type: "attach", ip: "10.0.0.1", instance: { provider: "gcp", key: "k1", name: "n1" }, node: "n1", reason: "r" },
      { type: "attach", ip: "10.0.0.2", instance: { provider: "gcp", key: "k2", name: "n2" }, node: "n2", reason: "r" },
      { type: "label", node: "n2", set: true, after: 2 },
      { type: "label", node: "n1", set: true, after: 1 },
      { type: "label", node: "y", set: false },
    ];
    const chains = actionChains(actions);
    expect(chains).toEqual([
      [0, 5],
      [1, 4],
      [2, 3],
    ]);
    expect(chains.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("has nothing to run for no actions", () => {
    expect(actionChains([])).toEqual([]);
  });
});
