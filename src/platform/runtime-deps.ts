import { Registry } from "prom-client";
import type { Config } from "../config/settings/index.ts";
import { loadSigningKeys } from "./auth/signing-keys.ts";
import { createCache } from "./cache/cache.ts";
import { cacheOptionsFrom } from "./cache/contract.ts";
import { systemClock } from "./clock.ts";
import { databaseReadinessCheck } from "./db/connect.ts";
import { schemaReadinessCheck } from "./db/schema-readiness.ts";
import { openDatabaseForServer } from "./db/startup.ts";
import type { Deps } from "./deps.ts";
import { mailSettingsReadinessCheck } from "./health/mail-settings-readiness.ts";
import type { ReadinessCheck } from "./health/readiness.ts";
import type { Logger } from "./logging/logger.ts";
import { createMailer } from "./mail/mailer.ts";
import { closeRedis, connectRedis, createRedisClient, redisReadinessCheck } from "./redis/connect.ts";

export interface RuntimeDeps {
  readonly deps: Deps;
  /** Closes pools and connections; called once the HTTP server has drained. */
  close(): Promise<void>;
}

/**
 * Connects the real dependencies for a server or CLI process. Each connection is bounded
 * by a timeout: a required one that fails aborts startup with a clear message, an
 * optional one degrades with a warning.
 */
export async function createRuntimeDeps(
  config: Config,
  logger: Logger,
  options: { readonly migrate?: boolean } = {},
): Promise<RuntimeDeps> {
  const closers: (() => Promise<void>)[] = [];
  const readinessChecks: ReadinessCheck[] = [];
  // First: a missing or broken signing key fails startup before any connection is opened.
  const signingKeys = await loadSigningKeys(config, logger, systemClock);
  closers.push(async () => signingKeys.close());
  const database = await openDatabaseForServer(config, logger, options);
  readinessChecks.push(databaseReadinessCheck(database));
  readinessChecks.push(schemaReadinessCheck(database, { required: !config.SERVE_PENDING_MIGRATIONS }));
  closers.push(() => database.close());
  let redis: Deps["redis"];
  if (config.REDIS_URL) {
    redis = createRedisClient(
      {
        url: config.REDIS_URL,
        connectTimeoutMs: config.REDIS_CONNECT_TIMEOUT_MS,
        commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
      },
      logger,
    );
    await connectRedis(redis, config.REDIS_CONNECT_TIMEOUT_MS, logger);
    readinessChecks.push(redisReadinessCheck(redis));
    const client = redis;
    closers.push(() => closeRedis(client));
  }
  const metrics = new Registry();
  const cache = await createCache(cacheOptionsFrom(config), { redis, logger, metrics });
  // Registered after Redis, so closed before it (closers run in reverse).
  closers.push(() => cache.close());
  // Mail goes through the durable queue in the database: what is not delivered by shutdown
  // stays queued for the next start or another instance. Closed before the database.
  const mailer = createMailer(config, logger, database);
  closers.push(() => mailer.close());
  if (config.APP_ENV === "production") readinessChecks.push(mailSettingsReadinessCheck(config));
  const deps: Deps = {
    logger,
    clock: systemClock,
    database,
    readinessChecks,
    metrics,
    redis,
    cache,
    signingKeys,
    mailer,
  };
  return {
    deps,
    async close() {
      // Reverse order of opening: Redis and other late dependencies before the database.
      for (const close of closers.reverse()) await close();
    },
  };
}
