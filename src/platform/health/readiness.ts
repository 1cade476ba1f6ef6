import { type Static, Type } from "@sinclair/typebox";

/** A dependency that /health/ready asks. A required one failing makes the instance not ready. */
export interface ReadinessCheck {
  readonly name: string;
  readonly required: boolean;
  check(signal: AbortSignal): Promise<void>;
}

export const CheckResultSchema = Type.Object(
  {
    status: Type.Union([Type.Literal("ok"), Type.Literal("failed"), Type.Literal("degraded")]),
    required: Type.Boolean(),
    durationMs: Type.Number(),
    error: Type.Optional(Type.String()),
  },
  { $id: "ReadinessCheckResult", additionalProperties: false },
);

export const ReadinessSchema = Type.Object(
  {
    status: Type.Union([Type.Literal("ready"), Type.Literal("not_ready"), Type.Literal("shutting_down")]),
    checks: Type.Record(Type.String(), Type.Ref("ReadinessCheckResult")),
  },
  { $id: "Readiness", additionalProperties: false },
);

export type Readiness = Static<typeof ReadinessSchema>;
type CheckResult = Static<typeof CheckResultSchema>;

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${timeoutMs} ms`));
      controller.abort();
    }, timeoutMs);
  });
  try {
    await Promise.race([check.check(controller.signal), timeout]);
    return { status: "ok", required: check.required, durationMs: elapsed(started) };
  } catch (error) {
    return {
      status: check.required ? "failed" : "degraded",
      required: check.required,
      durationMs: elapsed(started),
      // Only the message: readiness is unauthenticated, so no stack and no connection string.
      error: error instanceof Error ? error.message : "check failed",
    };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

/** Runs every check in parallel, each bounded by `timeoutMs`. */
export async function evaluateReadiness(
  checks: readonly ReadinessCheck[],
  timeoutMs: number,
  draining: boolean,
): Promise<Readiness> {
  // Draining answers at once: the load balancer must stop routing here without waiting on checks.
  if (draining) return { status: "shutting_down", checks: {} };
  const results = await Promise.all(checks.map((c) => runCheck(c, timeoutMs)));
  const byName: Record<string, CheckResult> = {};
  checks.forEach((c, i) => {
    byName[c.name] = results[i] as CheckResult;
  });
  const failed = results.some((r) => r.status === "failed");
  return { status: failed ? "not_ready" : "ready", checks: byName };
}
