import { ZONE_LABEL, type CloudProviderName } from "@ipac/api";
import { parseProviderID } from "@ipac/cloud";
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import type { NodeView, PodView } from "../decide/index.js";

/** Watch events carry timestamps as strings, typed reads as Dates: accept both. */
export function toMs(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === "string" ? Date.parse(value) : value.getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

export function nodeView(node: V1Node, provider: CloudProviderName): NodeView {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  const labels = node.metadata?.labels ?? {};
  const zone = labels[ZONE_LABEL];
  return {
    name: node.metadata?.name ?? "",
    labels,
    createdAt: toMs(node.metadata?.creationTimestamp) ?? 0,
    ready: (ready?.status as NodeView["ready"]) ?? "Unknown",
    readySince: toMs(ready?.lastTransitionTime) ?? toMs(node.metadata?.creationTimestamp) ?? 0,
    unschedulable: node.spec?.unschedulable === true,
    taints: (node.spec?.taints ?? []).map(({ key, effect }) => ({ key, effect })),
    deleting: node.metadata?.deletionTimestamp !== undefined,
    ...(zone ? { zone } : {}),
    instance: parseProviderID(node.spec?.providerID, provider),
  };
}

export function podView(pod: V1Pod): PodView {
  return {
    name: pod.metadata?.name ?? "",
    namespace: pod.metadata?.namespace ?? "default",
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
    running: pod.status?.phase === "Running",
    deleting: pod.metadata?.deletionTimestamp !== undefined,
  };
}
