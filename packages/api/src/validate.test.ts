import { validateSpec } from "./validate.js";

const base = { reservedIPs: ["34.1.1.1"], cloud: { provider: "gcp" } };

describe("validateSpec", () => {
  it("applies defaults", () => {
    expect(validateSpec(base)).toEqual({
      valid: true,
      warnings: [],
      spec: {
        reservedIPs: ["34.1.1.1"],
        usesDeprecatedDeploymentRef: false,
        nodeSelector: {},
        provider: "gcp",
        zones: [],
        reconcileIntervalSeconds: 30,
        deletionPolicy: "Retain",
        allowForeignTakeover: false,
        notReadyGracePeriodSeconds: 30,
        moveCooldownSeconds: 0,
      },
    });
  });

  it("maps the deprecated deploymentRef to a Deployment workload, with a warning", () => {
    const result = validateSpec({ ...base, deploymentRef: { name: "web" } });
    expect(result).toMatchObject({
      valid: true,
      spec: { workload: { kind: "Deployment", name: "web", namespace: "default" }, usesDeprecatedDeploymentRef: true },
      warnings: [expect.stringMatching(/deploymentRef is deprecated/)],
    });
  });

  it("accepts the label syntax Kubernetes accepts in nodeSelector", () => {
    const nodeSelector = { "topology.kubernetes.io/zone": "us-west1-a", role: "public-node", "node.x/empty": "" };
    expect(validateSpec({ ...base, nodeSelector })).toMatchObject({ valid: true, spec: { nodeSelector } });
  });

  it("canonicalises IPv6 and keeps workloadRef", () => {
    const result = validateSpec({
      ...base,
      reservedIPs: ["2001:DB8:0:0:0:0:0:1", "34.1.1.1"],
      workloadRef: { kind: "StatefulSet", name: "db", namespace: "data" },
      cloud: { provider: "azure", region: "westeurope", zones: ["1", "1"] },
    });
    expect(result).toMatchObject({
      valid: true,
      spec: {
        reservedIPs: ["2001:db8::1", "34.1.1.1"],
        workload: { kind: "StatefulSet", name: "db", namespace: "data" },
        provider: "azure",
        region: "westeurope",
        zones: ["1"],
      },
    });
  });

  it.each([
    [undefined, /spec: required/],
    [{ cloud: { provider: "gcp" } }, /spec.reservedIPs: at least one IP/],
    [{ ...base, reservedIPs: ["34.1.1.300"] }, /spec.reservedIPs\[0\]: "34.1.1.300" is not a valid IP/],
    [{ ...base, reservedIPs: ["34.1.1.1", " 34.1.1.1"] }, /spec.reservedIPs\[1\]: duplicate IP 34.1.1.1/],
    [{ ...base, reservedIPs: ["2001:db8::1", "2001:DB8::0:1"] }, /duplicate IP 2001:db8::1/],
    [{ reservedIPs: ["34.1.1.1"] }, /spec.cloud: required/],
    [{ ...base, cloud: { provider: "ibm" } }, /spec.cloud.provider: "ibm" is not one of gcp, aws, azure/],
    [{ ...base, reconcileInterval: 2 }, /spec.reconcileInterval: must be an integer between 5 and 86400, got 2/],
    [{ ...base, reconcileInterval: "30" }, /spec.reconcileInterval/],
    [{ ...base, workloadRef: { kind: "Job", name: "x" } }, /spec.workloadRef.kind: must be one of/],
    [{ ...base, workloadRef: { kind: "Deployment", name: "a" }, deploymentRef: { name: "b" } }, /not both/],
    [{ ...base, deploymentRef: {} }, /spec.deploymentRef.name: required/],
    [{ ...base, nodeSelector: { role: 1 } }, /spec.nodeSelector/],
    [{ ...base, nodeSelector: { role: "public node" } }, /spec.nodeSelector: "public node" is not a valid label value/],
    [{ ...base, nodeSelector: { role: "x".repeat(64) } }, /is not a valid label value/],
    [{ ...base, nodeSelector: { "bad key": "a" } }, /spec.nodeSelector: "bad key" is not a valid label key/],
    [{ ...base, nodeSelector: { "Example.com/role": "a" } }, /is not a valid label key/],
    [{ ...base, deletionPolicy: "Delete" }, /spec.deletionPolicy/],
    [{ ...base, notReadyGracePeriodSeconds: -1 }, /spec.notReadyGracePeriodSeconds/],
    [{ ...base, allowForeignTakeover: "yes" }, /spec.allowForeignTakeover/],
  ])("rejects %j", (spec, message) => {
    const result = validateSpec(spec);
    expect(result.valid).toBe(false);
    expect(result.valid ? [] : result.errors).toContainEqual(expect.stringMatching(message));
  });
});
