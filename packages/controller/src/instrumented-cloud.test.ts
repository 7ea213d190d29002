import { OPEN_FENCE, gceInstanceKey } from "@ipac/cloud";
import { InMemoryCloudProvider, World } from "@ipac/cloud-sim";
import { instrumented } from "./instrumented-cloud.js";
import { ControllerMetrics } from "./metrics.js";

const UNFENCED = { fence: OPEN_FENCE };

describe("instrumented cloud provider", () => {
  it("times every call by provider, operation and result, and passes results and errors through", async () => {
    const world = new World();
    const key = gceInstanceKey("p", "z-a", "vm");
    world.addInstance({ key, provider: "gcp", name: "vm", zone: "z-a", account: "p" });
    world.reserveAddress({ ip: "34.0.0.1", provider: "gcp", region: "z" });
    const memory = new InMemoryCloudProvider(world, "gcp");
    const metrics = new ControllerMetrics({ podName: "p", version: "v" });
    const cloud = instrumented(memory, metrics);
    const scope = { provider: "gcp" as const, region: "z" };
    const vm = { provider: "gcp" as const, key, name: "vm", zone: "z-a", account: "p" };

    expect((await cloud.describeAddresses(scope, ["34.0.0.1"])).get("34.0.0.1")?.reserved).toBe(true);
    await cloud.attach(scope, "34.0.0.1", vm, UNFENCED);
    memory.failNext("detach", "RateLimited");
    await expect(cloud.detach(scope, "34.0.0.1", vm, UNFENCED)).rejects.toMatchObject({ kind: "RateLimited" });
    expect(world.holderOf("34.0.0.1")?.key).toBe(key);

    const text = await metrics.registry.metrics();
    const count = (operation: string, result: string) =>
      `netipallocation_cloud_api_duration_seconds_count{provider="gcp",operation="${operation}",result="${result}"} 1`;
    expect(text).toContain(count("describeAddresses", "success"));
    expect(text).toContain(count("attach", "success"));
    expect(text).toContain(count("detach", "RateLimited"));
  });
});
