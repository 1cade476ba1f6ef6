import type { Clock } from "./clock.ts";
import type { ReadinessCheck } from "./health/readiness.ts";
import type { Logger } from "./logging/logger.ts";

/**
 * Everything the app needs from the outside world, passed in rather than imported as
 * module singletons so tests can hand in a real database schema per file, a fixed clock
 * or a log capture. Later capabilities add their dependencies here.
 */
export interface Deps {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly readinessChecks: readonly ReadinessCheck[];
}
