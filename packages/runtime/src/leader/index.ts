export { LeaderElector, type LeaderElectorOptions, type LeaderCallbacks } from "./leader-elector.js";
