const INCIDENT_GAP_MS = 60_000;

/**
 * Remembers that Redis just failed a rate-limit command (down, or slower than its
 * command timeout) so that for the next `coolDownMs` the limiters count in memory
 * straight away instead of each request waiting out another timeout on every window.
 * After the cool-down the next request tries Redis again: counting goes back to Redis
 * by itself when it returns.
 */
export class RedisFallback {
  private failedAt = Number.NEGATIVE_INFINITY;
  private readonly coolDownMs: number;
  private readonly onFallback: () => void;

  constructor(coolDownMs: number, onFallback: () => void) {
    this.coolDownMs = coolDownMs;
    this.onFallback = onFallback;
  }

  /** True while Redis is presumed unusable. */
  active(): boolean {
    return performance.now() - this.failedAt < this.coolDownMs;
  }

  tripped(): void {
    const now = performance.now();
    // One warning per incident: failures less than a minute apart are the same outage.
    if (now - this.failedAt > INCIDENT_GAP_MS) this.onFallback();
    this.failedAt = now;
  }
}
