export * from "./provider.js";
export * from "./errors.js";
export * from "./fence.js";
export * from "./provider-id.js";
export * from "./observations.js";
