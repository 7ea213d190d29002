import type { V1ObjectMeta, V1OwnerReference } from "@kubernetes/client-node";

/** "Kind/namespace/name": how allocations, pods and indexes refer to a workload. */
export function workloadKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** The owner that controls an object (the first owner when none is marked controller). */
export function controllerOf(metadata: V1ObjectMeta | undefined): V1OwnerReference | undefined {
  return metadata?.ownerReferences?.find((owner) => owner.controller) ?? metadata?.ownerReferences?.[0];
}

/**
 * The workload a pod belongs to, following its owner chain: ReplicaSet → Deployment, or StatefulSet /
 * DaemonSet directly. `replicaSetOwner` looks up a ReplicaSet's own metadata in the cache.
 */
export function workloadOfPod(
  pod: { metadata?: V1ObjectMeta },
  replicaSetMetadata: (namespace: string, name: string) => V1ObjectMeta | undefined,
): string | undefined {
  const namespace = pod.metadata?.namespace ?? "default";
  const owner = controllerOf(pod.metadata);
  if (!owner) return undefined;
  if (owner.kind === "StatefulSet" || owner.kind === "DaemonSet") return workloadKey(owner.kind, namespace, owner.name);
  if (owner.kind !== "ReplicaSet") return undefined;
  const deployment = controllerOf(replicaSetMetadata(namespace, owner.name));
  return deployment?.kind === "Deployment" ? workloadKey("Deployment", namespace, deployment.name) : undefined;
}
