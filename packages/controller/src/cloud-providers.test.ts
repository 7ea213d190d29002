import type { CloudProviderName } from "@ipac/api";
import { CloudError, OPEN_FENCE } from "@ipac/cloud";
import { InMemoryCloudProvider, World } from "@ipac/cloud-sim";
import { pino } from "pino";
import { cloudProviderFactory } from "./cloud-providers.js";

const silent = pino({ level: "silent" });

/** Adapter entries whose creation is counted and can be held back or made to fail. */
function countedAdapters(world: World) {
  const created: CloudProviderName[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const entry = (name: CloudProviderName, hold: boolean) => ({
    supportsAtomicReassociate: name === "aws",
    restoresExternalIP: false,
    async create() {
      created.push(name);
      if (hold) await held;
      if (name === "azure") throw new Error("AZURE_SUBSCRIPTION_ID is not set");
      return new InMemoryCloudProvider(world, name);
    },
  });
  return {
    created,
    release,
    adapters: { gcp: entry("gcp", true), aws: entry("aws", false), azure: entry("azure", false) },
  };
}

describe("cloudProviderFactory", () => {
  it("loads an adapter only when one of its calls is made, once, and every caller waits for that load", async () => {
    const world = new World();
    world.reserveAddress({ ip: "34.0.0.1", provider: "gcp", region: "r" });
    const { created, release, adapters } = countedAdapters(world);
    const cloudFor = cloudProviderFactory(silent, adapters);
    const gcp = cloudFor("gcp");
    expect(cloudFor("gcp")).toBe(gcp);
    expect(created).toEqual([]);

    const reads = [
      gcp.describeAddresses({ provider: "gcp" }, ["34.0.0.1"]),
      gcp.describeAddresses({ provider: "gcp" }, []),
    ];
    let answered = false;
    void Promise.all(reads).then(() => (answered = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    release();
    const [observed] = await Promise.all(reads);
    expect(observed!.get("34.0.0.1")?.reserved).toBe(true);
    expect(created).toEqual(["gcp"]);
  });

  it("fails every call of an adapter that cannot be created with InvalidInput naming it, without retrying", async () => {
    const { created, adapters } = countedAdapters(new World());
    const azure = cloudProviderFactory(silent, adapters)("azure");
    for (let i = 0; i < 2; i++) {
      const error = await azure.describeAddresses({ provider: "azure" }, []).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CloudError);
      expect(error).toMatchObject({ kind: "InvalidInput", provider: "azure" });
      expect((error as Error).message).toMatch(/cannot create the azure cloud adapter: AZURE_SUBSCRIPTION_ID/);
    }
    expect(created).toEqual(["azure"]);
  });

  it("refuses an adapter whose facts disagree with what the controller assumed before loading it", async () => {
    const adapters = countedAdapters(new World()).adapters;
    adapters.aws.supportsAtomicReassociate = false;
    const error = await cloudProviderFactory(
      silent,
      adapters,
    )("aws")
      .describeAddresses({ provider: "aws" }, [])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "InvalidInput", message: expect.stringMatching(/supportsAtomicReassociate/) });
  });

  it("passes writes through to the loaded adapter", async () => {
    const world = new World();
    world.addInstance({ key: "k", provider: "gcp", name: "vm", zone: "z", account: "p", ephemeralIP: "35.0.0.9" });
    world.reserveAddress({ ip: "34.0.0.1", provider: "gcp", region: "r" });
    const { release, adapters } = countedAdapters(world);
    release();
    const gcp = cloudProviderFactory(silent, adapters)("gcp");
    const instance = { provider: "gcp" as const, key: "k", name: "vm", zone: "z", account: "p" };
    await gcp.attach({ provider: "gcp" }, "34.0.0.1", instance, { fence: OPEN_FENCE });
    expect(world.holderOf("34.0.0.1")?.name).toBe("vm");
    await gcp.detach({ provider: "gcp" }, "34.0.0.1", instance, { fence: OPEN_FENCE });
    expect(world.holderOf("34.0.0.1")).toBeUndefined();
  });
});
