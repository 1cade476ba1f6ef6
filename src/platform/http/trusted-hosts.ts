import type { FastifyInstance } from "fastify";
import { BadRequestError } from "../errors/app-error.ts";
import { sendProblem } from "../errors/error-handler.ts";

export interface TrustedHostOptions {
  /** Host names (no port), compared case-insensitively. Empty: every host is accepted. */
  readonly hosts: readonly string[];
  /** Let /health* answer any Host, so orchestrator probes may address the instance by IP. */
  readonly healthAnyHost: boolean;
}

function isHealthPath(url: string): boolean {
  return url === "/health" || url.startsWith("/health/") || url.startsWith("/health?");
}

/**
 * Rejects a request whose Host is not ours: links built from Host (password reset,
 * verification) and caches keyed by it must not be steerable by an attacker's header.
 * Answers directly (not through the error handler) so an unknown path on a foreign host
 * is a 400 too, not a 404 that confirms the host is served here.
 */
export function installTrustedHosts(app: FastifyInstance, options: TrustedHostOptions): void {
  if (options.hosts.length === 0) return;
  const trusted = new Set(options.hosts.map((h) => h.toLowerCase()));
  app.addHook("onRequest", (request, reply, done) => {
    if (trusted.has(request.hostname.toLowerCase())) return done();
    if (options.healthAnyHost && isHealthPath(request.url)) return done();
    sendProblem(
      request,
      reply,
      new BadRequestError("request.untrusted_host", "The Host header names a host this server does not serve."),
    );
  });
}
