import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { API_VERSION, GROUP, KIND, PLURAL, VERSION, type NetIPAllocation, type NetIPAllocationSpec } from "./types.js";

/** Creates a NetIPAllocation (tests, benchmarks and the demo), through the generic client as the CRD is. */
export async function createNetIPAllocation(
  kc: KubeConfig | CustomObjectsApi,
  metadata: NetIPAllocation["metadata"],
  spec: NetIPAllocationSpec,
): Promise<void> {
  const api = kc instanceof CustomObjectsApi ? kc : kc.makeApiClient(CustomObjectsApi);
  const body: NetIPAllocation = { apiVersion: API_VERSION, kind: KIND, metadata, spec };
  await api.createClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, body });
}
