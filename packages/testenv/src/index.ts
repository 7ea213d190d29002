export { controlPlaneBinaries, type ControlPlaneBinaries } from "./binaries.js";
export { startControlPlane, NODE_LIFECYCLE, type ControlPlane, type ControlPlaneOptions } from "./control-plane.js";
export { SimulatedNodes, SIMULATED_NODE_LABEL, type SimulatedNodeSpec } from "./nodes.js";
export { sharedControlPlane, type SharedControlPlane } from "./shared.js";
export { default as stopSharedControlPlanes } from "./shared-state.js";
export { waitFor } from "./wait.js";
export { freePort } from "./ports.js";
export { chartTools, run, type ChartTools } from "./tools.js";
export { startMoto, type MotoServer } from "./moto.js";
