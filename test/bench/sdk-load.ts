// Child of idle-memory.ts: a bare Node that loads one thing (a cloud adapter with its SDK, created and its API
// description loaded, or client-node), then prints its memory after GC and the longest event-loop block the load
// caused. Usage: node --expose-gc test/dist/bench/sdk-load.js none|client-node|gcp|aws|azure
const what = process.argv[2] ?? "none";

let last = performance.now();
let longestBlockMs = 0;
const ticker = setInterval(() => {
  const now = performance.now();
  longestBlockMs = Math.max(longestBlockMs, now - last);
  last = now;
}, 1);

const started = performance.now();
switch (what) {
  case "client-node": {
    const { KubeConfig } = await import("@kubernetes/client-node");
    new KubeConfig();
    break;
  }
  case "gcp": {
    const { GcpCloudProvider } = await import("@ipac/cloud-gcp");
    const { PassThroughClient } = await import("google-auth-library");
    const gcp = new GcpCloudProvider({
      project: "p",
      clientOptions: {
        apiEndpoint: "127.0.0.1",
        port: 9,
        protocol: "http",
        authClient: new PassThroughClient(),
      } as never,
    });
    await Promise.all([gcp.instances.initialize(), gcp.addresses.initialize(), gcp.operations.initialize()]);
    break;
  }
  case "aws": {
    const { AwsCloudProvider } = await import("@ipac/cloud-aws");
    new AwsCloudProvider({ region: "us-east-1" }).clientFor("us-east-1");
    break;
  }
  case "azure": {
    const { AzureCloudProvider } = await import("@ipac/cloud-azure");
    new AzureCloudProvider({ subscriptionId: "00000000-0000-0000-0000-000000000001" });
    break;
  }
}
const loadMs = performance.now() - started;
await new Promise((resolve) => setTimeout(resolve, 20));
clearInterval(ticker);
for (let i = 0; i < 3; i++) {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const usage = process.memoryUsage();
console.log(JSON.stringify({ what, loadMs, longestBlockMs, ...usage }));
