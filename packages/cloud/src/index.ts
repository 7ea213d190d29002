export * from "./provider.js";
export * from "./errors.js";
export * from "./fence.js";
export * from "./provider-id.js";
export * from "./world.js";
export * from "./memory-provider.js";
export * from "./observations.js";
