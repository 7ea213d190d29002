export * from "./world.js";
export * from "./memory-provider.js";
export { Ec2Front } from "./aws/ec2-front.js";
export { ComputeFront } from "./gcp/compute-front.js";
export { ArmFront, PUBLIC_IP_RESOURCE_GROUP } from "./azure/arm-front.js";
export { Faults } from "./faults.js";
export { Simulator, type WorldFile, type SimulatorEndpoints } from "./simulator.js";
export { Ledger, type RequestRecord, type Violation, type FrontName } from "./ledger.js";
