/** Time comes from a dependency so tests can fix or advance it (token expiry, lockouts, rate windows). */
export interface Clock {
  now(): Date;
  /** `now()` as the ISO 8601 string the database stores. */
  nowIso(): string;
}

export const systemClock: Clock = { now: () => new Date(), nowIso: () => new Date().toISOString() };
