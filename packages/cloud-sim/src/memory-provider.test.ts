import { CloudError, OPEN_FENCE } from "@ipac/cloud";
import { InMemoryCloudProvider } from "./memory-provider.js";
import { World } from "./world.js";
import type { InstanceRef } from "@ipac/cloud";

const UNFENCED = { fence: OPEN_FENCE };

const ref = (key: string, zone = "z1"): InstanceRef => ({ provider: "gcp", key, name: key, zone });

function setup(provider: "gcp" | "aws" = "gcp") {
  const world = new World();
  for (const key of ["n1", "n2"]) world.addInstance({ key, provider, name: key, zone: "z1" });
  world.reserveAddress({ ip: "1.1.1.1", provider });
  return { world, cloud: new InMemoryCloudProvider(world, provider) };
}

describe("InMemoryCloudProvider", () => {
  it("describes all requested IPs in one call", async () => {
    const { world, cloud } = setup();
    world.attach("1.1.1.1", "n1");
    const seen = await cloud.describeAddresses({ provider: "gcp" }, ["1.1.1.1", "9.9.9.9"]);
    expect(seen.get("1.1.1.1")).toEqual({
      ip: "1.1.1.1",
      reserved: true,
      holder: { key: "n1", name: "n1", zone: "z1" },
    });
    expect(seen.get("9.9.9.9")).toEqual({ ip: "9.9.9.9", reserved: false });
    expect(cloud.calls.describeAddresses).toBe(1);
    expect(cloud.reads).toEqual([["1.1.1.1", "9.9.9.9"]]);
  });

  it("moves atomically only where the cloud supports it", async () => {
    const gcp = setup("gcp");
    await gcp.cloud.attach({ provider: "gcp" }, "1.1.1.1", ref("n1"), UNFENCED);
    await expect(
      gcp.cloud.attach({ provider: "gcp" }, "1.1.1.1", ref("n2"), { ...UNFENCED, reassociate: true }),
    ).rejects.toMatchObject({
      kind: "Conflict",
    });
    const aws = setup("aws");
    await aws.cloud.attach({ provider: "aws" }, "1.1.1.1", ref("n1"), UNFENCED);
    await aws.cloud.attach({ provider: "aws" }, "1.1.1.1", ref("n2"), { ...UNFENCED, reassociate: true });
    expect(aws.world.holderOf("1.1.1.1")?.key).toBe("n2");
  });

  it("injects scripted failures and runs the write hook", async () => {
    const { world, cloud } = setup();
    cloud.failNext("attach", "RateLimited", 1, 1500);
    const error = await cloud.attach({ provider: "gcp" }, "1.1.1.1", ref("n1"), UNFENCED).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudError);
    expect(error).toMatchObject({ kind: "RateLimited", retryAfterMs: 1500, operation: "attach" });
    cloud.beforeWrite = () => {
      throw new Error("crash");
    };
    await expect(cloud.attach({ provider: "gcp" }, "1.1.1.1", ref("n1"), UNFENCED)).rejects.toThrow("crash");
    expect(world.holderOf("1.1.1.1")).toBeUndefined();
    cloud.beforeWrite = undefined;
    await cloud.attach({ provider: "gcp" }, "1.1.1.1", ref("n1"), UNFENCED);
    expect(world.holderOf("1.1.1.1")?.key).toBe("n1");
    expect(cloud.calls.attach).toBe(3);
  });
});
