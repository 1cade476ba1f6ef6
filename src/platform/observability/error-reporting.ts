import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError } from "../errors/app-error.ts";
import { requestSlot } from "../http/request-slot.ts";
import { UNMATCHED_ROUTE } from "./http-metrics.ts";
import type { ErrorReport, ErrorReporter } from "./sentry-reporter.ts";

/**
 * Reports requests that ended in a 5xx because of an unexpected error. Typed errors
 * (AppError, e.g. a 503 while a dependency is down) are expected states, already logged,
 * and would flood the reporter during an outage, so they are not reported. The report is
 * sent after the response, in the background.
 */
export function installErrorReporting(
  app: FastifyInstance,
  reporter: ErrorReporter,
  currentTrace: () => Partial<NonNullable<ErrorReport["trace"]>> = () => ({}),
): void {
  const errors = requestSlot<FastifyRequest, { error: Error; trace: ErrorReport["trace"] }>("rampart.unexpectedError");
  app.addHook("onError", (request, _reply, error, done) => {
    // Read here, inside the request's span; by onResponse it may have ended.
    const { traceId, spanId } = currentTrace();
    const trace = traceId && spanId ? { traceId, spanId } : undefined;
    if (!(error instanceof AppError)) errors.set(request, { error, trace });
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    const failed = errors.get(request);
    if (failed !== undefined && reply.statusCode >= 500) {
      reporter.report({
        error: failed.error,
        trace: failed.trace,
        requestId: request.id,
        method: request.method,
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status: reply.statusCode,
      });
    }
    done();
  });
  app.addHook("onClose", () => reporter.flush());
}
