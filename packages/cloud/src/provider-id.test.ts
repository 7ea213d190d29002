import { parseProviderID } from "./provider-id.js";

describe("parseProviderID", () => {
  it.each([
    [
      "gce://my-project/us-west1-a/gke-pool-1-abcd",
      "gcp",
      { key: "gce://my-project/us-west1-a/gke-pool-1-abcd", name: "gke-pool-1-abcd", zone: "us-west1-a" },
    ],
    ["aws:///us-east-1a/i-0abc123def456", "aws", { key: "aws://i-0abc123def456", zone: "us-east-1a" }],
    ["aws://us-east-1a/i-0abc123def456", "aws", { key: "aws://i-0abc123def456", name: "i-0abc123def456" }],
    ["aws:///i-0abc", "aws", { key: "aws://i-0abc" }],
    [
      "azure:///subscriptions/SUB/resourceGroups/MC_rg_aks_westeurope/providers/Microsoft.Compute/virtualMachines/vm-1",
      "azure",
      { key: "azure://sub/mc_rg_aks_westeurope/vm/vm-1", name: "vm-1", resourceGroup: "MC_rg_aks_westeurope" },
    ],
  ] as const)("parses %s", (providerID, provider, expected) => {
    const result = parseProviderID(providerID, provider);
    expect(result).toMatchObject({ ok: true, instance: { provider, ...expected } });
  });

  it("gives the same key for resource groups spelled in different case", () => {
    const a = parseProviderID(
      "azure:///subscriptions/s/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/v",
      "azure",
    );
    const b = parseProviderID(
      "azure:///subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/v",
      "azure",
    );
    expect(a.ok && b.ok && a.instance.key === b.instance.key).toBe(true);
  });

  it.each([
    [undefined, "gcp", "node has no spec.providerID"],
    ["", "gcp", "node has no spec.providerID"],
    ["aws:///us-east-1a/i-0abc", "gcp", "providerID is aws, allocation is gcp"],
    [
      "kind://docker/kind/kind-worker",
      "gcp",
      'providerID "kind://docker/kind/kind-worker" is not of a supported cloud',
    ],
    ["gce://only-project", "gcp", 'providerID "gce://only-project" is malformed'],
    ["aws:///us-east-1a/not-an-instance", "aws", "malformed"],
    [
      "azure:///subscriptions/sub/resourceGroups/mc_rg/providers/Microsoft.Compute/virtualMachineScaleSets/aks-pool-123-vmss/virtualMachines/3",
      "azure",
      "aks-pool-123-vmss/3 is a VM of an Azure Uniform scale set, whose NIC cannot take an existing public IP",
    ],
  ] as const)("explains why %s is unusable for %s", (providerID, provider, reason) => {
    const result = parseProviderID(providerID, provider);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.reason).toContain(reason);
  });
});
