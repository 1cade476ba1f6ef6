import Fastify, { type FastifyBaseLogger, LogController } from "fastify";
import { loadConfig } from "../src/config/load.ts";
import { HealthSchema } from "../src/platform/health/routes.ts";
import { echoRequestId, requestIdFor } from "../src/platform/http/request-id.ts";
import { installSecurityHeaders } from "../src/platform/http/security-headers.ts";
import { createLogger } from "../src/platform/logging/logger.ts";
import { lazyRequestLoggers } from "../src/platform/logging/request-logger.ts";
import { RAMPART_VERSION } from "../src/platform/version.ts";

// The floor under GET /health: Fastify with Rampart's logger and request ids, answering the
// same body with the same response headers (request id, Vary, the security headers) — and
// no other edge step: no metrics, CORS, kill switch, rate limit, access, compression or
// request log. What Rampart costs above this is its edge; what this costs above the bare
// node:http server is the framework and the headers every Rampart response must carry.
const config = loadConfig({ APP_ENV: "test", LOG_FORMAT: "json" });
const app = Fastify({
  loggerInstance: createLogger(config) as FastifyBaseLogger,
  // As app.ts configures it (the top-level disableRequestLogging is deprecated in Fastify 5.12).
  logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "requestId" }),
  childLoggerFactory: lazyRequestLoggers,
  requestIdHeader: false,
  genReqId: requestIdFor,
});
app.addHook("onRequest", echoRequestId);
// What Rampart's CORS hook adds to every response (cors.ts).
app.addHook("onRequest", (_request, reply, done) => {
  reply.header("vary", "Origin");
  done();
});
installSecurityHeaders(app, { hsts: false });
app.get("/health", { logLevel: "warn", schema: { response: { 200: HealthSchema } } }, (_request, reply) => {
  reply.send({ status: "ok", version: RAMPART_VERSION, uptimeSeconds: Math.round(process.uptime()) });
});
const address = await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port) })}\n`);
process.on("SIGTERM", () => {
  app.close().then(() => process.exit(0));
});
