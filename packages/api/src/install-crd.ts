import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { netIPAllocationCRD } from "./crd.js";

// Through the generic (untyped) client, so the schema reaches the server exactly as written (see crd.ts).
const crdResource = { group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions" };

interface ServedCRD {
  metadata?: { resourceVersion?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

/** Creates or updates the CRD and waits until the apiserver serves it (used by tests and the demo). */
export async function installCRD(kc: KubeConfig, timeoutMs = 30_000): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const crd = netIPAllocationCRD();
  const name = crd.metadata.name;
  try {
    await api.createClusterCustomObject({ ...crdResource, body: crd });
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
    const existing = (await api.getClusterCustomObject({ ...crdResource, name })) as ServedCRD;
    const body = { ...crd, metadata: { ...crd.metadata, resourceVersion: existing.metadata?.resourceVersion } };
    await api.replaceClusterCustomObject({ ...crdResource, name, body });
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = (await api.getClusterCustomObject({ ...crdResource, name })) as ServedCRD;
    if (current.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) return;
    if (Date.now() > deadline) throw new Error(`CRD ${name} not established after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
