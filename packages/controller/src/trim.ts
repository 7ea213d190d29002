import type { V1Node, V1OwnerReference, V1Pod, V1ReplicaSet } from "@kubernetes/client-node";
import { UNHEALTHY_TAINTS } from "./decide/eligibility.js";

// Informer transforms: the caches keep only the fields the controller reads, because memory at 5,000 nodes
// and 100,000 pods is a target. Anything not listed here is dropped (managedFields, images, pod specs...).

function trimOwners(owners: V1OwnerReference[] | undefined): V1OwnerReference[] | undefined {
  return owners?.map(({ apiVersion, kind, name, uid, controller }) => ({ apiVersion, kind, name, uid, controller }));
}

export function trimNode(node: V1Node): V1Node {
  const { metadata, spec, status } = node;
  const ready = status?.conditions?.find((c) => c.type === "Ready");
  return {
    metadata: {
      name: metadata?.name,
      uid: metadata?.uid,
      resourceVersion: metadata?.resourceVersion,
      creationTimestamp: metadata?.creationTimestamp,
      deletionTimestamp: metadata?.deletionTimestamp,
      labels: metadata?.labels,
    },
    // Only the taints eligibility reads: node.kubernetes.io/unschedulable, added to every cordoned node a moment
    // later, would wake every allocation again for nothing.
    spec: {
      providerID: spec?.providerID,
      unschedulable: spec?.unschedulable,
      taints: spec?.taints?.filter((t) => UNHEALTHY_TAINTS.has(t.key)).map(({ key, effect }) => ({ key, effect })),
    },
    status: ready
      ? { conditions: [{ type: "Ready", status: ready.status, lastTransitionTime: ready.lastTransitionTime }] }
      : {},
  };
}

export function trimPod(pod: V1Pod): V1Pod {
  const { metadata, spec, status } = pod;
  return {
    metadata: {
      name: metadata?.name,
      namespace: metadata?.namespace,
      uid: metadata?.uid,
      resourceVersion: metadata?.resourceVersion,
      deletionTimestamp: metadata?.deletionTimestamp,
      ownerReferences: trimOwners(metadata?.ownerReferences),
    },
    spec: { nodeName: spec?.nodeName, containers: [] },
    status: { phase: status?.phase },
  };
}

export function trimReplicaSet(replicaSet: V1ReplicaSet): V1ReplicaSet {
  const { metadata } = replicaSet;
  return {
    metadata: {
      name: metadata?.name,
      namespace: metadata?.namespace,
      uid: metadata?.uid,
      resourceVersion: metadata?.resourceVersion,
      ownerReferences: trimOwners(metadata?.ownerReferences),
    },
  };
}
