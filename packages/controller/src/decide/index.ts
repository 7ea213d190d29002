export { decide } from "./decide.js";
export { nodeStanding, type NodeStanding } from "./eligibility.js";
export type * from "./types.js";
