export * from "./types.js";
export { netIPAllocationSchema } from "./schema.js";
export { netIPAllocationCRD, type CustomResourceDefinition } from "./crd.js";
export { renderCRD } from "./generate-crd.js";
export { validateSpec, canonicalIP } from "./validate.js";
export { installCRD } from "./install-crd.js";
export { createNetIPAllocation } from "./create-allocation.js";
