import { randomBytes, randomUUID } from "node:crypto";
import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { loadConfig } from "../../src/config/load.ts";
import { mintApiKey } from "../../src/modules/api-keys/secret.ts";
import { type DatabaseHandle, openDatabase } from "../../src/platform/db/connect.ts";
import { loadMigrations, migrateUp } from "../../src/platform/db/migrator.ts";
import { createLogger } from "../../src/platform/logging/logger.ts";
import { createPostgresSchema } from "../../test/helpers/database.ts";

/**
 * What a reference server (bench/references/*-server.ts) needs to do users/me's work on the
 * same data Rampart reads: a PostgreSQL schema migrated with Rampart's own migrations, one
 * verified user row, an RS256 key pair (Rampart's default JWT_ALG) and an access token
 * shaped exactly like Rampart's (typ at+jwt, iss, aud, sub, sid, jti, iat, exp).
 */
export interface ReferenceWorld {
  readonly env: Record<string, string>;
  readonly headers: Record<string, string>;
  /** The user's company's member list. */
  readonly membersPath: string;
  /** An API key of that company with members:read. */
  readonly apiKey: string;
  cleanup(): Promise<void>;
}

const ISSUER = "rampart";
const AUDIENCE = "rampart-api";

/** Applies Rampart's migrations to the database at `url`; returns the open handle. */
export async function migrate(url: string): Promise<DatabaseHandle> {
  const handle = openDatabase(
    loadConfig({ APP_ENV: "test", DATABASE_URL: url }),
    createLogger({ LOG_LEVEL: "silent", LOG_FORMAT: "json" }),
  );
  await migrateUp(handle, await loadMigrations());
  return handle;
}

export async function referenceWorld(redisUrl: string): Promise<ReferenceWorld> {
  const { url, dropSchema } = await createPostgresSchema();
  const handle = await migrate(url);
  const userId = randomUUID();
  const now = new Date().toISOString();
  await handle.db
    .insertInto("users")
    .values({
      id: userId,
      email: `reference-${randomBytes(4).toString("hex")}@example.com`,
      email_verified_at: now,
      name: "Reference",
      password_hash: null,
      platform_role: "user",
      status: "active",
      created_at: now,
      updated_at: now,
      deleted_at: null,
    })
    .execute();
  // A company the user owns, and an API key of it that may read its members.
  const companyId = randomUUID();
  await handle.db
    .insertInto("companies")
    .values({
      id: companyId,
      name: "Reference Co",
      slug: `reference-${companyId}`,
      status: "active",
      created_at: now,
      updated_at: now,
      deleted_at: null,
    })
    .execute();
  await handle.db
    .insertInto("memberships")
    .values({ company_id: companyId, user_id: userId, role: "owner", created_at: now, updated_at: now })
    .execute();
  const minted = mintApiKey();
  await handle.db
    .insertInto("api_keys")
    .values({
      id: randomUUID(),
      company_id: companyId,
      name: "reference",
      prefix: minted.prefix,
      secret_hash: minted.secretHash,
      scopes: JSON.stringify(["members:read"]),
      created_by: userId,
      created_at: now,
      expires_at: null,
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
  await handle.close();
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const iat = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ sid: randomUUID() })
    .setProtectedHeader({ alg: "RS256", kid: "reference", typ: "at+jwt" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(userId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 3600)
    .setJti(randomBytes(16).toString("base64url"))
    .sign(privateKey);
  return {
    headers: { authorization: `Bearer ${token}` },
    membersPath: `/api/v1/companies/${companyId}/members`,
    apiKey: minted.key,
    env: {
      DATABASE_URL: url,
      REDIS_URL: redisUrl,
      RATE_LIMIT_PREFIX: `rampart:bench:ref:${process.pid}:${randomBytes(3).toString("hex")}`,
      JWT_PUBLIC_KEY_PEM: await exportSPKI(publicKey),
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
    },
    cleanup: dropSchema,
  };
}
