/** Time comes from a dependency so tests can fix or advance it (token expiry, lockouts, rate windows). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
