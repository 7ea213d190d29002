/**
 * The write fence (leadership fencing): a cloud write request goes out only while the fence is open, and
 * waits on multi-step operations are given up the moment it closes. The controller opens one per leadership
 * term (lease valid by this replica's own clock); every adapter checks it right before each write request it
 * sends, so a step that completes after the lease is lost is never followed by the next.
 */
export interface WriteFence {
  /** Aborts when the fence closes: SDK calls and Operation/LRO waits take it. */
  readonly signal: AbortSignal;
  /** Throws FencedError unless writes are allowed at this moment. */
  check(operation: string): void;
}

/** A write refused because this replica may no longer write (lease lost or not held): not a cloud error. */
export class FencedError extends Error {
  constructor(readonly operation: string) {
    super(`refusing to send ${operation}: this controller does not hold a valid leader lease`);
    this.name = "FencedError";
  }
}

/** Open while `isOpen()` holds and `signal` has not aborted. */
export function writeFence(isOpen: () => boolean, signal: AbortSignal): WriteFence {
  return {
    signal,
    check(operation) {
      if (signal.aborted || !isOpen()) throw new FencedError(operation);
    },
  };
}

/** Always open: for tools and tests that write without leader election. */
export const OPEN_FENCE: WriteFence = writeFence(() => true, new AbortController().signal);

/** Waits for `pending` unless the fence closes first; then fails with FencedError (the request is abandoned). */
export function untilFenceCloses<T>(fence: WriteFence, operation: string, pending: Promise<T>): Promise<T> {
  if (fence.signal.aborted) {
    pending.catch(() => {});
    return Promise.reject(new FencedError(operation));
  }
  return new Promise<T>((resolve, reject) => {
    const onClose = () => reject(new FencedError(operation));
    fence.signal.addEventListener("abort", onClose, { once: true });
    pending.then(
      (value) => {
        fence.signal.removeEventListener("abort", onClose);
        resolve(value);
      },
      (error: unknown) => {
        fence.signal.removeEventListener("abort", onClose);
        reject(error);
      },
    );
  });
}

/** One write request through the fence: checked right before it is sent, its answer given up if the fence closes. */
export function fencedWrite<T>(fence: WriteFence, operation: string, send: () => Promise<T>): Promise<T> {
  fence.check(operation);
  return untilFenceCloses(fence, operation, send());
}
