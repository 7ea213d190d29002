import type { Action } from "../decide/index.js";

/**
 * Splits decide's actions into chains that may run side by side, so that several IPs move at once (a zone going
 * down, a first placement) in the time of one. Each IP's actions (its leaving node's label, the detach, the attach
 * and the label that follows it) stay in one chain, in order; every other action (labels of other nodes,
 * evictions) goes in one more chain, in order. Chains of different IPs touch different nodes: a node that releases
 * an IP is never a target in the same pass, and no node is the target of two IPs.
 */
export function actionChains(actions: readonly Action[]): number[][] {
  const chainOfAction = new Map<number, number[]>();
  const chainOfIP = new Map<string, number[]>();
  const others: number[] = [];
  const chains: number[][] = [];
  actions.forEach((action, index) => {
    const prerequisite = "after" in action && action.after !== undefined ? action.after : undefined;
    let chain = prerequisite !== undefined ? chainOfAction.get(prerequisite) : undefined;
    const ip = action.type === "evict" ? undefined : action.ip;
    if (!chain && ip !== undefined) {
      chain = chainOfIP.get(ip);
      if (!chain) chains.push((chain = []));
      chainOfIP.set(ip, chain);
    }
    chain ??= others;
    chain.push(index);
    chainOfAction.set(index, chain);
  });
  return others.length > 0 ? [others, ...chains] : chains;
}
