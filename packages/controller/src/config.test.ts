import { loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("keeps the existing controller's environment defaults", () => {
    const config = loadConfig([], { POD_NAME: "p-1", POD_NAMESPACE: "kube-system" });
    expect(config).toMatchObject({
      leaseName: "ip-address-controller-leader",
      leaseNamespace: "kube-system",
      leaseDurationSeconds: 60,
      metricsPort: 9999,
      podName: "p-1",
      dryRun: false,
      clusterName: undefined,
    });
  });

  it("reads the environment and lets flags override it", () => {
    const env = { LEASE_NAME: "l", LEASE_DURATION: "15", METRICS_PORT: "8080", CLUSTER_NAME: "prod", DRY_RUN: "true" };
    expect(loadConfig([], env)).toMatchObject({
      leaseName: "l",
      leaseDurationSeconds: 15,
      metricsPort: 8080,
      clusterName: "prod",
      dryRun: true,
    });
    expect(loadConfig(["--metrics-port=9000", "--lease-duration", "20"], env)).toMatchObject({
      metricsPort: 9000,
      leaseDurationSeconds: 20,
    });
    expect(loadConfig([], {})).toMatchObject({ logLevel: "info", logFormat: "json" });
    expect(loadConfig(["--log-level=debug", "--log-format=gcp"], { LOG_LEVEL: "warn" })).toMatchObject({
      logLevel: "debug",
      logFormat: "gcp",
    });
  });

  it("rejects invalid values with a message naming the variable", () => {
    expect(() => loadConfig([], { LEASE_DURATION: "abc" })).toThrow(/LEASE_DURATION must be an integer/);
    expect(() => loadConfig([], { METRICS_PORT: "70000" })).toThrow(/METRICS_PORT/);
    expect(() => loadConfig([], { DRY_RUN: "maybe" })).toThrow(/DRY_RUN must be true or false/);
    expect(() => loadConfig([], { LOG_LEVEL: "loud" })).toThrow(/LOG_LEVEL must be one of fatal, error/);
    expect(() => loadConfig(["--log-format=text"], {})).toThrow(/LOG_FORMAT must be one of json, gcp/);
    expect(() => loadConfig(["--unknown"], {})).toThrow(/Unknown option/);
  });
});
