import type { NetIPAllocation } from "@ipac/api";
import { InMemoryCloudProvider, World } from "@ipac/cloud-sim";
import { pino } from "pino";
import { CloudWarmUp } from "./warm-up.js";

const allocation = (name: string, spec: Record<string, unknown>): NetIPAllocation => {
  const object: unknown = {
    apiVersion: "netinfra.darkbrains.com/v1alpha1",
    kind: "NetIPAllocation",
    metadata: { name },
    spec,
  };
  return object as NetIPAllocation;
};

describe("CloudWarmUp", () => {
  it("reads once per provider and region, skips invalid specs, and never throws", async () => {
    const gcp = new InMemoryCloudProvider(new World(), "gcp");
    const aws = new InMemoryCloudProvider(new World(), "aws");
    aws.failNext("describeAddresses", "Permission");
    const lines: string[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(line) });
    const warmUp = new CloudWarmUp(
      (provider) => (provider === "gcp" ? gcp : provider === "aws" ? aws : undefined),
      logger,
    );
    await Promise.all(
      [
        allocation("a", { reservedIPs: ["34.0.0.1"], cloud: { provider: "gcp", region: "us-west1" } }),
        allocation("b", { reservedIPs: ["34.0.0.2"], cloud: { provider: "gcp", region: "us-west1" } }),
        allocation("c", { reservedIPs: ["34.0.0.3"], cloud: { provider: "gcp", region: "europe-west1" } }),
        allocation("d", { reservedIPs: ["not an ip"], cloud: { provider: "gcp", region: "asia-east1" } }),
        allocation("e", { reservedIPs: ["3.0.0.1"], cloud: { provider: "aws", region: "us-east-1" } }),
        allocation("f", { reservedIPs: ["3.0.0.2"], cloud: { provider: "aws", region: "us-east-1" } }),
      ].map((a) => warmUp.warm(a)),
    );
    expect(gcp.calls.describeAddresses).toBe(2);
    expect(aws.calls.describeAddresses).toBe(1);
    expect(lines.filter((l) => l.includes("cloud adapter ready"))).toHaveLength(2);
    expect(lines.filter((l) => l.includes("warming up the cloud adapter failed"))).toHaveLength(1);
  });

  it("stops waiting for a cloud that does not answer after the timeout, so a replica still stands by", async () => {
    const gcp = new InMemoryCloudProvider(new World(), "gcp");
    gcp.describeAddresses = () => new Promise(() => {});
    const warmUp = new CloudWarmUp(() => gcp, pino({ level: "silent" }));
    const started = performance.now();
    await warmUp.warmAll([allocation("a", { reservedIPs: ["34.0.0.1"], cloud: { provider: "gcp" } })], 50);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });
});
