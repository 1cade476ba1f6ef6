import type { Clock } from "../../src/platform/clock.ts";

/** A clock tests move by hand: token expiry, lockout windows and grace periods without sleeping. */
export class TestClock implements Clock {
  #offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.#offsetMs);
  }

  nowIso(): string {
    return this.now().toISOString();
  }

  advance(seconds: number): void {
    this.#offsetMs += seconds * 1000;
  }
}
