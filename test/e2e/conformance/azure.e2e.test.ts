import { azureVmKey, type InstanceRef } from "@ipac/cloud";
import { World } from "@ipac/cloud-sim";
import { AzureCloudProvider } from "@ipac/cloud-azure";
import { ArmFront } from "@ipac/cloud-sim";
import { describeConformance } from "./suite.js";
import type { Adapter } from "./target.js";

const subscription = "00000000-0000-0000-0000-000000000001";
const resourceGroup = "MC_aks_westeurope";
// Any TokenCredential works against the simulator; production uses DefaultAzureCredential / Workload Identity.
const credential = { getToken: async () => ({ token: "sim-token", expiresOnTimestamp: Date.now() + 3_600_000 }) };

describeConformance(
  "Azure on the cloud-sim ARM front",
  async () => {
    const world = new World();
    const front = new ArmFront(world);
    const vm = (name: string): InstanceRef => ({
      provider: "azure",
      key: azureVmKey(subscription, resourceGroup, name),
      name,
      account: subscription,
      resourceGroup,
      zone: "westeurope-1",
    });
    const nodes = [vm("vm-a"), vm("vm-b")] as const;
    for (const node of nodes) world.addInstance({ ...node, provider: "azure" });
    const ips = ["20.1.1.1", "20.1.1.2"] as const;
    ips.forEach((ip, n) => world.reserveAddress({ ip, provider: "azure", region: "westeurope", name: `pip-${n}` }));
    const endpoint = await front.listen();
    // The official client over HTTPS (the simulator's local CA), without the SDK's retries.
    const adapter = (deadlines: { callMs: number; operationMs: number }): Adapter => ({
      provider: new AzureCloudProvider({
        subscriptionId: subscription,
        credential,
        endpoint,
        clientOptions: { tlsOptions: { ca: front.ca }, retryOptions: { maxRetries: 0 } },
        pollIntervalMs: 20,
        timeoutMs: deadlines.callMs,
        operationTimeoutMs: deadlines.operationMs,
      }),
      close: async () => undefined,
    });
    const { provider } = adapter({ callMs: 5_000, operationMs: 10_000 });
    return {
      provider,
      scope: { provider: "azure" },
      nodes,
      ghost: vm("vm-gone"),
      ips,
      unknownIP: "20.9.9.9",
      sim: {
        world,
        faults: front.faults,
        observeOperation: "publicIPAddresses.listAll",
        writeOperation: "networkInterfaces.createOrUpdate",
        errors: {
          RateLimited: { code: "TooManyRequests", status: 429 },
          Transient: { code: "InternalServerError", status: 500 },
          Permission: { code: "AuthorizationFailed", status: 403 },
          InvalidInput: { code: "InvalidParameter", status: 400 },
        },
        withDeadlines: adapter,
        setOperationDelay: (ms) => front.faults.operationDuration({ minMs: ms }),
      },
      close: () => front.close(),
    };
  },
  { simulated: true, asyncWrites: true },
);
