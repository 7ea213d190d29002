export { EventRecorder, type EventRecorderOptions } from "./recorder.js";
export { EventAggregator, type InvolvedObject, type EventType } from "./aggregation.js";
