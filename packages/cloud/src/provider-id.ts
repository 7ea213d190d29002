import type { CloudProviderName } from "@ipac/api";
import type { InstanceRef } from "./provider.js";

export type ProviderIDResult = { ok: true; instance: InstanceRef } | { ok: false; reason: string };

// Canonical keys are what the adapters also build from cloud-side holders (gceInstanceKey etc.), so a node's
// instance and the instance the cloud says holds an IP compare equal.
export const gceInstanceKey = (project: string, zone: string, name: string) => `gce://${project}/${zone}/${name}`;
export const awsInstanceKey = (instanceId: string) => `aws://${instanceId}`;
export const azureVmKey = (subscription: string, resourceGroup: string, name: string) =>
  `azure://${subscription}/${resourceGroup}/vm/${name}`.toLowerCase();

const GCE = /^gce:\/\/([^/]+)\/([^/]+)\/([^/]+)$/;
const AWS = /^aws:\/\/\/?(?:([^/]*)\/)?(i-[0-9a-f]+)$/;
const AZURE_VM =
  /^azure:\/\/\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines\/([^/]+)$/i;
const AZURE_VMSS =
  /^azure:\/\/\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachineScaleSets\/([^/]+)\/virtualMachines\/([^/]+)$/i;

const SCHEMES: Record<string, CloudProviderName> = { gce: "gcp", aws: "aws", azure: "azure" };

/** Parses a node's spec.providerID; a missing or foreign one gives a reason the controller reports. */
export function parseProviderID(providerID: string | undefined, expected: CloudProviderName): ProviderIDResult {
  if (!providerID) return { ok: false, reason: "node has no spec.providerID" };
  const scheme = /^([a-z]+):\/\//.exec(providerID)?.[1] ?? "";
  const provider = SCHEMES[scheme];
  if (!provider) return { ok: false, reason: `providerID "${providerID}" is not of a supported cloud` };
  if (provider !== expected) return { ok: false, reason: `providerID is ${provider}, allocation is ${expected}` };
  const uniformScaleSetVm = AZURE_VMSS.exec(providerID);
  if (provider === "azure" && uniformScaleSetVm)
    return { ok: false, reason: `${uniformScaleSetVm[3]}/${uniformScaleSetVm[4]} ${UNIFORM_SCALE_SET}` };
  const instance = parse(provider, providerID);
  return instance ? { ok: true, instance } : { ok: false, reason: `providerID "${providerID}" is malformed` };
}

// Their NICs are read-only to the network API, and the scale set's per-instance public IP configuration cannot
// reference an existing address (Flexible scale-set VMs have ordinary VM providerIDs and NICs).
const UNIFORM_SCALE_SET =
  "is a VM of an Azure Uniform scale set, whose NIC cannot take an existing public IP " +
  "(standalone VMs, Flexible scale sets and AKS VirtualMachines node pools can)";

function parse(provider: CloudProviderName, id: string): InstanceRef | undefined {
  if (provider === "gcp") {
    const m = GCE.exec(id);
    return m
      ? { provider, key: gceInstanceKey(m[1]!, m[2]!, m[3]!), name: m[3]!, zone: m[2]!, account: m[1]! }
      : undefined;
  }
  if (provider === "aws") {
    const m = AWS.exec(id);
    return m ? { provider, key: awsInstanceKey(m[2]!), name: m[2]!, ...(m[1] ? { zone: m[1] } : {}) } : undefined;
  }
  const vm = AZURE_VM.exec(id);
  return vm
    ? {
        provider,
        key: azureVmKey(vm[1]!, vm[2]!, vm[3]!),
        name: vm[3]!,
        account: vm[1]!,
        resourceGroup: vm[2]!,
      }
    : undefined;
}
