import { gcpHolder } from "./gcp-provider.js";

// Address resources in the shape of the Compute API reference (addresses.list items).
describe("gcpHolder", () => {
  const base = "https://www.googleapis.com/compute/v1/projects/my-project";

  it("maps an instance user to the instance key nodes use, keeping its project for a detach", () => {
    expect(
      gcpHolder({ address: "34.1.1.1", status: "IN_USE", users: [`${base}/zones/us-west1-a/instances/gke-pool-1`] }),
    ).toEqual({
      key: "gce://my-project/us-west1-a/gke-pool-1",
      name: "gke-pool-1",
      zone: "us-west1-a",
      account: "my-project",
    });
  });

  it("reports a forwarding rule using the address as a holder outside the cluster", () => {
    const user = `${base}/regions/us-west1/forwardingRules/lb-frontend`;
    expect(gcpHolder({ address: "34.1.1.2", status: "IN_USE", users: [user] })).toEqual({
      key: user,
      name: "forwardingRules/lb-frontend",
    });
  });

  it("has no holder when the address is only reserved", () => {
    expect(gcpHolder({ address: "34.1.1.3", status: "RESERVED" })).toBeUndefined();
  });
});
