import { AsyncResource } from "node:async_hooks";

export interface PollLoop {
  /** Runs a pass now (or right after the one under way); detached from the caller's async context. */
  wake(): void;
  start(firstDelayMs?: number): void;
  /** Stops polling and waits for the pass under way. */
  stop(): Promise<void>;
}

/**
 * The worker loop of a durable table queue (mail_queue's pattern): a pass every `pollMs`,
 * or at once when woken; one pass at a time per process; a failed pass (database gone) is
 * simply retried at the next poll. `pass` returns true when it did work, and is then run
 * again at once.
 */
export function createPollLoop(pollMs: number, pass: () => Promise<boolean>): PollLoop {
  let running = false;
  let busy: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  async function work(): Promise<void> {
    do {
      again = false;
      while (running && (await pass())) {
        // keep going while there is work
      }
    } while (again && running);
  }

  function wake(): void {
    if (!running) return;
    if (busy) {
      again = true;
      return;
    }
    clearTimeout(timer);
    busy = work()
      .catch(() => {})
      .finally(() => {
        busy = undefined;
        if (running) timer = setTimeout(wake, pollMs);
      });
  }

  // Woken from a request, the pass must not run in that request's async context (its logs and trace).
  const wakeDetached = AsyncResource.bind(() => wake());

  return {
    wake: wakeDetached,
    start(firstDelayMs = pollMs) {
      if (running) return;
      running = true;
      timer = setTimeout(wake, firstDelayMs);
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      await busy;
    },
  };
}
