import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { type Access, accessOf } from "../access/access.ts";
import type { Clock } from "../clock.ts";
import type { DatabaseHandle } from "../db/connect.ts";
import { ConflictError, ValidationError } from "../errors/app-error.ts";
import { addRouteHook } from "../http/route-hooks.ts";
import type { Logger } from "../logging/logger.ts";
import {
  claimKey,
  completeKey,
  deleteExpiredKeys,
  fingerprintOf,
  type IdempotencyScope,
  releaseKey,
  type StoredResponse,
} from "./store.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** `false`: the route ignores Idempotency-Key (it is idempotent by itself). */
    idempotency?: boolean;
  }
  interface FastifyRequest {
    idempotencyScope?: IdempotencyScope;
  }
}

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** Longer than any request may run (REQUEST_TIMEOUT_MS): a claim older than this is an instance that died. */
const IN_FLIGHT_LOCK_MS = 60_000;
const CLEANUP_INTERVAL_MS = 10 * 60 * 1000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** The response headers a replay repeats; the rest (date, request id, rate limits) describe the new request. */
const REPLAYED_HEADERS = ["content-type", "location", "etag", "content-language", "cache-control"];

/**
 * Whether a route takes an Idempotency-Key: the unsafe methods that create or change
 * (POST, PATCH) for an identified caller. Public routes (sign-in, sign-up) do not: with
 * no caller to scope it, a key would let one anonymous client replay another's answer.
 */
export function acceptsIdempotencyKey(
  method: string | readonly string[],
  access: Access | undefined,
  config?: unknown,
) {
  const methods = typeof method === "string" ? [method] : method;
  if (!methods.some((m) => m === "POST" || m === "PATCH")) return false;
  if (access === undefined || access === "public") return false;
  return (config as { idempotency?: boolean } | undefined)?.idempotency !== false;
}

const badKey = () =>
  new ValidationError(
    [{ path: "/headers/idempotency-key", message: "must be 1 to 255 visible ASCII characters" }],
    "The Idempotency-Key header is not usable.",
    "idempotency.invalid_key",
  );
const reusedKey = () =>
  new ValidationError(
    [{ path: "/headers/idempotency-key", message: "was used with a different request body" }],
    "This Idempotency-Key was already used for a different request.",
    "idempotency.key_reused",
  );
const inFlight = () =>
  new ConflictError(
    "idempotency.in_flight",
    "A request with this Idempotency-Key is still being processed; retry later.",
    {
      headers: { "retry-after": "1" },
    },
  );

function keyOf(request: FastifyRequest): string | undefined {
  const raw = request.headers["idempotency-key"];
  if (raw === undefined) return undefined;
  const value = (Array.isArray(raw) ? raw.join(",") : raw).trim();
  // The draft's form is a structured-field string ("…"); a bare token is accepted too.
  const key = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  if (!KEY_PATTERN.test(key)) throw badKey();
  return key;
}

function actorOf(request: FastifyRequest): string | undefined {
  const actor = request.actor;
  if (actor?.kind === "user") return `user:${actor.userId}`;
  if (actor?.kind === "api_key") return `api_key:${actor.keyId}`;
  return undefined;
}

export interface IdempotencyOptions {
  readonly database: DatabaseHandle;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Idempotency-Key (IETF httpapi draft) on every unsafe route: the first response to a key
 * is stored per (key, caller, method, path) for 24 h in the database — so every instance
 * sees it — and a repeat gets it back byte for byte; the same key with another body is a
 * 422, a repeat while the first is still running a 409. A 5xx is not stored (the key is
 * free to retry). Must be installed before compression: it stores the bytes as serialised.
 */
export function installIdempotency(app: FastifyInstance, options: IdempotencyOptions): void {
  const { database, clock, logger } = options;
  const db = database.db;
  app.decorateRequest("idempotencyScope", undefined);

  addRouteHook(app, "preHandler", "idempotency", (route: RouteOptions) => {
    if (!acceptsIdempotencyKey(route.method, accessOf(route), route.config)) return undefined;
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const key = keyOf(request);
      const actor = actorOf(request);
      if (key === undefined || actor === undefined) return;
      const scope = { key, actor, method: request.method, path: request.url };
      const claim = await claimKey(db, scope, fingerprintOf(request.body), clock.now(), {
        ttlMs: IDEMPOTENCY_TTL_MS,
        lockMs: IN_FLIGHT_LOCK_MS,
      });
      if (claim.kind === "mismatch") throw reusedKey();
      if (claim.kind === "in_flight") throw inFlight();
      if (claim.kind === "replay") {
        const { status, headers, body } = claim.response;
        for (const [name, value] of Object.entries(headers)) reply.header(name, value);
        return reply.code(status).send(Buffer.from(body, "base64"));
      }
      request.idempotencyScope = scope;
    };
  });

  // Global, and before compression's hook: what is stored is the body as serialised. A
  // callback hook, so the requests without a key (nearly all) pay no promise for it.
  app.addHook("onSend", (request, reply, payload, done) => {
    const scope = request.idempotencyScope;
    if (scope === undefined) return done(null, payload);
    request.idempotencyScope = undefined;
    store(scope, reply, payload).then(
      () => done(null, payload),
      (error: unknown) => {
        // The answer still goes out; a repeat after the in-flight lock expires runs again.
        logger.warn({ err: error }, "could not store the response to an Idempotency-Key");
        done(null, payload);
      },
    );
  });

  async function store(scope: IdempotencyScope, reply: FastifyReply, payload: unknown): Promise<void> {
    if (reply.statusCode >= 500 || (typeof payload !== "string" && !Buffer.isBuffer(payload) && payload !== null)) {
      await releaseKey(db, scope);
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    const bytes = payload === null ? Buffer.alloc(0) : Buffer.from(payload as string | Buffer);
    const stored: StoredResponse = { status: reply.statusCode, headers, body: bytes.toString("base64") };
    await completeKey(db, scope, stored);
  }
}

/** Deletes expired keys now and every ten minutes until the app closes (every instance; deletes are idempotent). */
export function startIdempotencyCleanup(options: IdempotencyOptions): { stop(): void } {
  const run = () =>
    deleteExpiredKeys(options.database.db, options.clock.now()).catch((error: unknown) => {
      options.logger.warn({ err: error }, "could not delete expired idempotency keys");
      return 0;
    });
  void run();
  const timer = setInterval(run, CLEANUP_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
