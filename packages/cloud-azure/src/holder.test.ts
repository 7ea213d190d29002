import { azureHolder } from "./azure-provider.js";

const sub = "/subscriptions/00000000-0000-0000-0000-000000000000";
const nicId = `${sub}/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/vm1-nic`;
const vmOfNic = new Map([
  [nicId.toLowerCase(), `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1`],
]);

// Public IP resources in the shape of the ARM reference (PublicIPAddresses_ListAll), as the SDK returns them.
describe("azureHolder", () => {
  it("maps a NIC ipConfiguration to the VM key nodes use", () => {
    expect(
      azureHolder({ ipAddress: "20.0.0.1", ipConfiguration: { id: `${nicId}/ipConfigurations/ipconfig1` } }, vmOfNic),
    ).toEqual({
      key: "azure://00000000-0000-0000-0000-000000000000/rg1/vm/vm1",
      name: "vm1",
    });
  });

  it("reports a load balancer frontend using the IP as a holder outside the cluster", () => {
    const frontend = `${sub}/resourceGroups/rg2/providers/Microsoft.Network/loadBalancers/testLb/frontendIPConfigurations/LoadBalancerFrontEnd`;
    expect(azureHolder({ ipAddress: "40.85.154.247", ipConfiguration: { id: frontend } }, vmOfNic)).toEqual({
      key: `azure-resource:${frontend.toLowerCase()}`,
      name: "testLb",
    });
  });

  it("has no holder when the IP is not attached", () => {
    expect(azureHolder({ ipAddress: "20.0.0.3" }, vmOfNic)).toBeUndefined();
  });
});
