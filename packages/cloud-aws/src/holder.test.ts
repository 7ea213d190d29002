import { awsHolder } from "./aws-provider.js";

// Address items in the shape of the EC2 DescribeAddresses reference.
describe("awsHolder", () => {
  it("maps an instance association to the instance key nodes use", () => {
    expect(
      awsHolder({
        PublicIp: "52.0.0.1",
        AllocationId: "eipalloc-1",
        AssociationId: "eipassoc-1",
        InstanceId: "i-0abc",
        NetworkInterfaceId: "eni-1",
      }),
    ).toEqual({ key: "aws://i-0abc", name: "i-0abc" });
  });

  it("reports an association with a network interface of no instance (e.g. a NAT gateway) as outside the cluster", () => {
    expect(
      awsHolder({
        PublicIp: "52.0.0.2",
        AllocationId: "eipalloc-2",
        AssociationId: "eipassoc-2",
        NetworkInterfaceId: "eni-nat",
      }),
    ).toEqual({
      key: "aws-association://eni-nat",
      name: "eni-nat",
    });
  });

  it("has no holder when the address is not associated (moto reports an empty InstanceId)", () => {
    expect(awsHolder({ PublicIp: "52.0.0.3", AllocationId: "eipalloc-3" })).toBeUndefined();
    expect(awsHolder({ PublicIp: "52.0.0.3", AllocationId: "eipalloc-3", InstanceId: "" })).toBeUndefined();
  });
});
