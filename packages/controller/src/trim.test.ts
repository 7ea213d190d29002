import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { trimNode, trimPod } from "./trim.js";

describe("informer transforms", () => {
  it("keep what the controller reads of a node and drop the rest", () => {
    const node: V1Node = {
      metadata: {
        name: "n1",
        uid: "u",
        labels: { role: "public" },
        managedFields: [{ manager: "kubelet" }],
        annotations: { big: "x".repeat(1000) },
      },
      spec: {
        providerID: "gce://p/z/n1",
        unschedulable: true,
        taints: [
          { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule", timeAdded: new Date(0) },
          { key: "node.kubernetes.io/unreachable", effect: "NoExecute", timeAdded: new Date(0) },
          { key: "dedicated", effect: "NoSchedule" },
        ],
      },
      status: {
        conditions: [
          { type: "MemoryPressure", status: "False" },
          { type: "Ready", status: "True", lastTransitionTime: new Date(0) },
        ],
        images: [{ names: ["img"], sizeBytes: 1 }],
      },
    };
    const trimmed = trimNode(node);
    expect(trimmed.metadata).not.toHaveProperty("managedFields");
    expect(trimmed.metadata).not.toHaveProperty("annotations");
    expect(trimmed.status).toEqual({
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: new Date(0) }],
    });
    // Only the taints eligibility reads, without their times (they change nothing the controller decides).
    expect(trimmed.spec).toEqual({
      providerID: "gce://p/z/n1",
      unschedulable: true,
      taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }],
    });
    expect(trimmed.metadata?.labels).toEqual({ role: "public" });
  });

  it("keep a pod's owner, node and phase only", () => {
    const pod: V1Pod = {
      metadata: {
        name: "p",
        namespace: "ns",
        ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "1", controller: true }],
        labels: { a: "b" },
      },
      spec: { nodeName: "n1", containers: [{ name: "c", image: "nginx", env: [{ name: "X", value: "y" }] }] },
      status: { phase: "Running", podIP: "10.0.0.1" },
    };
    const trimmed = trimPod(pod);
    expect(trimmed.spec).toEqual({ nodeName: "n1", containers: [] });
    expect(trimmed.status).toEqual({ phase: "Running" });
    expect(trimmed.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "ReplicaSet", name: "rs" });
    expect(trimmed.metadata).not.toHaveProperty("labels");
  });
});
