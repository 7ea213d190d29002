import { gceInstanceKey, type InstanceRef } from "@ipac/cloud";
import { World } from "@ipac/cloud-sim";
import { GcpCloudProvider } from "@ipac/cloud-gcp";
import { ComputeFront } from "@ipac/cloud-sim";
import { PassThroughClient } from "google-auth-library";
import { describeConformance } from "./suite.js";
import type { Adapter } from "./target.js";

const project = "proj";
const region = "us-west1";
const zone = `${region}-a`;

describeConformance(
  "GCP on the cloud-sim Compute front",
  async () => {
    const world = new World();
    const front = new ComputeFront(world);
    const vm = (name: string): InstanceRef => ({
      provider: "gcp",
      key: gceInstanceKey(project, zone, name),
      name,
      zone,
      account: project,
    });
    const nodes = [vm("node-a"), vm("node-b")] as const;
    nodes.forEach((node, n) => world.addInstance({ ...node, provider: "gcp", ephemeralIP: `35.0.0.${n + 1}` }));
    const ips = ["34.1.1.1", "34.1.1.2"] as const;
    ips.forEach((ip, n) => world.reserveAddress({ ip, provider: "gcp", region, name: `static-${n}` }));
    const { host, port } = await front.listen();
    // The official client, ADC replaced by a pass-through client; the SDK's own retries stay on.
    const adapter = (deadlines: { callMs: number; operationMs: number }): Adapter => {
      const provider = new GcpCloudProvider({
        project,
        clientOptions: { apiEndpoint: host, port, protocol: "http", authClient: new PassThroughClient() } as never,
        timeoutMs: deadlines.callMs,
        operationTimeoutMs: deadlines.operationMs,
      });
      return { provider, close: () => provider.close(), settled: () => provider.settled() };
    };
    const { provider, close, settled } = adapter({ callMs: 5_000, operationMs: 10_000 });
    return {
      provider,
      settled,
      scope: { provider: "gcp", region },
      nodes,
      ghost: vm("node-gone"),
      ips,
      unknownIP: "34.9.9.9",
      sim: {
        world,
        faults: front.faults,
        observeOperation: "addresses.list",
        writeOperation: "instances.deleteAccessConfig",
        errors: {
          RateLimited: { code: "rateLimitExceeded", status: 429 },
          Transient: { code: "backendError", status: 500 },
          Permission: { code: "forbidden", status: 403 },
          InvalidInput: { code: "invalid", status: 400 },
        },
        withDeadlines: adapter,
        setOperationDelay: (ms) => front.faults.operationDuration({ minMs: ms }),
      },
      close: async () => {
        await close();
        await front.close();
      },
    };
  },
  { simulated: true, asyncWrites: true },
);
