import type { V1ObjectMeta } from "@kubernetes/client-node";
import { workloadOfPod } from "./workload.js";

const owner = (kind: string, name: string) => [{ apiVersion: "apps/v1", kind, name, uid: name, controller: true }];
const replicaSets: Record<string, V1ObjectMeta> = {
  "ns/web-abc": { name: "web-abc", ownerReferences: owner("Deployment", "web") },
  "ns/bare": { name: "bare" },
};
const lookup = (namespace: string, name: string) => replicaSets[`${namespace}/${name}`];

describe("workloadOfPod", () => {
  it.each([
    ["ReplicaSet of a Deployment", owner("ReplicaSet", "web-abc"), "Deployment/ns/web"],
    ["StatefulSet", owner("StatefulSet", "db"), "StatefulSet/ns/db"],
    ["DaemonSet", owner("DaemonSet", "agent"), "DaemonSet/ns/agent"],
    ["bare ReplicaSet", owner("ReplicaSet", "bare"), undefined],
    ["unknown ReplicaSet (not cached yet)", owner("ReplicaSet", "gone"), undefined],
    ["Job", owner("Job", "once"), undefined],
    ["no owner", undefined, undefined],
  ])("%s", (_, ownerReferences, expected) => {
    expect(workloadOfPod({ metadata: { namespace: "ns", name: "p", ownerReferences } }, lookup)).toBe(expected);
  });
});
