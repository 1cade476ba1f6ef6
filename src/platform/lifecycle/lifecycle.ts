/** Process-wide shutdown state shared by readiness and the shutdown sequence. */
export interface Lifecycle {
  draining: boolean;
}

export function createLifecycle(): Lifecycle {
  return { draining: false };
}
