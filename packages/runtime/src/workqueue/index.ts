export { WorkQueue, type WorkQueueOptions, type HandlerResult } from "./queue.js";
export {
  BucketRateLimiter,
  ExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
  type RateLimiter,
  type RateLimiterOptions,
} from "./rate-limiters.js";
export { realClock, type Clock } from "./clock.js";
