export { startController, type ControllerOptions, type RunningController } from "./controller.js";
export { loadConfig, type ControllerConfig } from "./config.js";
export { decide } from "./decide/index.js";
