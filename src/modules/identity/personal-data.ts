import { Type } from "@sinclair/typebox";
import type { ColumnDecision, Person, PersonalDataSource } from "../../platform/db/personal-data.ts";
import type { Executor } from "../../platform/db/transaction.ts";
import { hashToken } from "./secrets.ts";

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const DateTime = Type.String({ format: "date-time" });

/** Identity's tables. The users row itself is scrubbed by `deleteMe` and exported as `user`. */
export const IDENTITY_COLUMNS: Readonly<Record<string, Readonly<Record<string, ColumnDecision>>>> = {
  users: {
    id: {
      kept: "the opaque id other records (audit, keys, partnerships) point to; nothing else of the row says who it was",
    },
    email: "erased",
    email_verified_at: "none",
    name: "erased",
    password_hash: "erased",
    platform_role: "none",
    status: "none",
    created_at: "none",
    updated_at: "none",
    deleted_at: "none",
  },
  sessions: {
    id: "erased",
    user_id: "erased",
    user_agent: "erased",
    ip: "erased",
    created_at: "erased",
    last_used_at: "erased",
    expires_at: "erased",
    revoked_at: "erased",
    revoked_reason: "erased",
    amr: "erased",
    auth_time: "erased",
    sso_connection_id: "erased",
  },
  refresh_tokens: {
    id: "erased",
    session_id: "erased",
    token_hash: "erased",
    created_at: "erased",
    expires_at: "erased",
    rotated_at: "erased",
    successor_sealed: "erased",
  },
  email_tokens: {
    id: "erased",
    user_id: "erased",
    purpose: "erased",
    token_hash: "erased",
    created_at: "erased",
    expires_at: "erased",
    used_at: "erased",
  },
  login_throttles: {
    email_hash: "erased",
    failures: "erased",
    lockouts: "erased",
    locked_until: "erased",
    updated_at: "erased",
  },
  user_factors: {
    id: "erased",
    user_id: "erased",
    kind: "erased",
    name: "erased",
    secret_sealed: "erased",
    last_used_step: "erased",
    confirmed_at: "erased",
    created_at: "erased",
    last_used_at: "erased",
  },
  recovery_codes: { id: "erased", user_id: "erased", code_hash: "erased", created_at: "erased", used_at: "erased" },
  mfa_tickets: {
    id: "erased",
    user_id: "erased",
    ticket_hash: "erased",
    client_hash: "erased",
    credential_tag: "erased",
    failures: "erased",
    created_at: "erased",
    expires_at: "erased",
    used_at: "erased",
  },
};

/** Login throttling is keyed by this hash of the normalised address (service.ts `login`). */
export function loginThrottleKey(email: string): string {
  return hashToken(`login:${email}`);
}

const sessions: PersonalDataSource = {
  category: "sessions",
  description: "every sign-in session, revoked ones included, with the IP address and User-Agent last seen",
  item: Type.Object(
    {
      id: Type.String({ format: "uuid" }),
      ip: Nullable(Type.String()),
      userAgent: Nullable(Type.String()),
      createdAt: DateTime,
      lastUsedAt: DateTime,
      expiresAt: DateTime,
      revokedAt: Nullable(DateTime),
      revokedReason: Nullable(Type.String()),
    },
    { additionalProperties: false },
  ),
  columns: { sessions: IDENTITY_COLUMNS.sessions ?? {}, refresh_tokens: IDENTITY_COLUMNS.refresh_tokens ?? {} },
  async export(db: Executor, person: Person) {
    const rows = await db
      .selectFrom("sessions")
      .selectAll()
      .where("user_id", "=", person.userId)
      .orderBy("created_at")
      .execute();
    return rows.map((s) => ({
      id: s.id,
      ip: s.ip,
      userAgent: s.user_agent,
      createdAt: s.created_at,
      lastUsedAt: s.last_used_at,
      expiresAt: s.expires_at,
      revokedAt: s.revoked_at,
      revokedReason: s.revoked_reason,
    }));
  },
  // Refresh tokens go with their session (on delete cascade).
  async erase(trx, person) {
    await trx.deleteFrom("sessions").where("user_id", "=", person.userId).execute();
    return undefined;
  },
};

const emailTokens: PersonalDataSource = {
  category: "emailTokens",
  description: "mailed verification and password-reset links: purpose and dates (the token itself is never stored)",
  item: Type.Object(
    { purpose: Type.String(), createdAt: DateTime, expiresAt: DateTime, usedAt: Nullable(DateTime) },
    { additionalProperties: false },
  ),
  columns: { email_tokens: IDENTITY_COLUMNS.email_tokens ?? {} },
  async export(db, person) {
    const rows = await db
      .selectFrom("email_tokens")
      .selectAll()
      .where("user_id", "=", person.userId)
      .orderBy("created_at")
      .execute();
    return rows.map((t) => ({
      purpose: t.purpose,
      createdAt: t.created_at,
      expiresAt: t.expires_at,
      usedAt: t.used_at,
    }));
  },
  async erase(trx, person) {
    await trx.deleteFrom("email_tokens").where("user_id", "=", person.userId).execute();
    return undefined;
  },
};

const loginThrottle: PersonalDataSource = {
  category: "loginThrottle",
  description: "failed sign-ins counted against the address and any lockout in force",
  item: Type.Object(
    { failures: Type.Integer(), lockouts: Type.Integer(), lockedUntil: Nullable(DateTime), updatedAt: DateTime },
    { additionalProperties: false },
  ),
  columns: { login_throttles: IDENTITY_COLUMNS.login_throttles ?? {} },
  async export(db, person) {
    const key = loginThrottleKey(person.email);
    const rows = await db.selectFrom("login_throttles").selectAll().where("email_hash", "=", key).execute();
    return rows.map((r) => ({
      failures: Number(r.failures),
      lockouts: Number(r.lockouts),
      lockedUntil: r.locked_until,
      updatedAt: r.updated_at,
    }));
  },
  async erase(trx, person) {
    await trx.deleteFrom("login_throttles").where("email_hash", "=", loginThrottleKey(person.email)).execute();
    return undefined;
  },
};

const secondFactors: PersonalDataSource = {
  category: "secondFactors",
  description:
    "second factors (authenticator apps): name, dates; recovery codes: dates of issue and use (never the seed or a code)",
  item: Type.Object(
    {
      kind: Type.String(),
      name: Type.String(),
      createdAt: DateTime,
      confirmedAt: Nullable(DateTime),
      lastUsedAt: Nullable(DateTime),
    },
    { additionalProperties: false },
  ),
  columns: {
    user_factors: IDENTITY_COLUMNS.user_factors ?? {},
    recovery_codes: IDENTITY_COLUMNS.recovery_codes ?? {},
    mfa_tickets: IDENTITY_COLUMNS.mfa_tickets ?? {},
  },
  async export(db, person) {
    const factors = await db
      .selectFrom("user_factors")
      .selectAll()
      .where("user_id", "=", person.userId)
      .orderBy("created_at")
      .execute();
    const codes = await db
      .selectFrom("recovery_codes")
      .selectAll()
      .where("user_id", "=", person.userId)
      .orderBy("created_at")
      .execute();
    return [
      ...factors.map((f) => ({
        kind: f.kind,
        name: f.name,
        createdAt: f.created_at,
        confirmedAt: f.confirmed_at,
        lastUsedAt: f.last_used_at,
      })),
      ...codes.map((c) => ({
        kind: "recovery_code",
        name: "",
        createdAt: c.created_at,
        confirmedAt: null,
        lastUsedAt: c.used_at,
      })),
    ];
  },
  async erase(trx, person) {
    await trx.deleteFrom("mfa_tickets").where("user_id", "=", person.userId).execute();
    await trx.deleteFrom("recovery_codes").where("user_id", "=", person.userId).execute();
    await trx.deleteFrom("user_factors").where("user_id", "=", person.userId).execute();
    return undefined;
  },
};

/** What identity stores about a person beyond the users row. */
export const identityPersonalData: readonly PersonalDataSource[] = [
  sessions,
  emailTokens,
  loginThrottle,
  secondFactors,
];
