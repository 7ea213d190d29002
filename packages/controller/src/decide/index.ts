export { decide } from "./decide.js";
export type * from "./types.js";
