export * from "./workqueue/index.js";
export * from "./leader/index.js";
export * from "./informer/index.js";
export * from "./events/index.js";
export * from "./health/index.js";
export * from "./api-errors.js";
export * from "./kube-config.js";
