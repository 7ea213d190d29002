import { realClock, type Clock } from "./workqueue/clock.js";

/** A sleep that `wake()` ends early: lets a stop() interrupt a loop waiting for its next round. */
export class InterruptibleSleep {
  private wakeUp?: () => void;

  constructor(private readonly clock: Clock = realClock) {}

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(resolve, ms);
      this.wakeUp = () => {
        this.clock.clearTimeout(timer);
        resolve();
      };
    });
  }

  wake(): void {
    this.wakeUp?.();
  }
}
