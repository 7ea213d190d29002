export { startController, type ControllerOptions, type RunningController } from "./controller.js";
export { loadConfig, type ControllerConfig } from "./config.js";
export { decide } from "./decide/index.js";
// For benchmarks and tools built on the controller's caches.
export { ClusterCache } from "./cluster-cache.js";
export { trimNode, trimPod, trimReplicaSet } from "./trim.js";
export { nodeView, podView } from "./gather/views.js";
export { workloadKey } from "./workload.js";
