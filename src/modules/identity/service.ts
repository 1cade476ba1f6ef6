import type { Config } from "../../config/settings/index.ts";
import type { UserActor } from "../../platform/access/actor.ts";
import { type AccessTokenClaims, issueAccessToken, verifyAccessToken } from "../../platform/auth/access-token.ts";
import type { SigningKeys } from "../../platform/auth/signing-keys.ts";
import type { Cache } from "../../platform/cache/cache.ts";
import type { Clock } from "../../platform/clock.ts";
import type { DatabaseHandle } from "../../platform/db/connect.ts";
import { isUniqueViolation } from "../../platform/db/errors.ts";
import { isUuid, newId } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import type { PersonalDataSource } from "../../platform/db/personal-data.ts";
import { type Executor, withTransaction } from "../../platform/db/transaction.ts";
import { ForbiddenError, ValidationError } from "../../platform/errors/app-error.ts";
import { type Page, type PageQuery, pageRequest, toPage } from "../../platform/http/pagination.ts";
import type { Logger } from "../../platform/logging/logger.ts";
import type { Mailer, MailMessage } from "../../platform/mail/mailer.ts";
import { type AuditActor, type AuditEventInput, recordAuditEvent, systemActor } from "../audit/index.ts";
import { allSources, collectPersonalData, erasePersonalData, personOf } from "./account-data.ts";
import { identityErrors } from "./errors.ts";
import { claimLoginAttempt } from "./login-throttle.ts";
import { buildActionUrl, type IdentityMailKind, renderMail } from "./mail-templates.ts";
import { checkPasswordPolicy, type PasswordHasher } from "./passwords.ts";
import * as repo from "./repository.ts";
import { hashToken, newOpaqueToken, normalizeEmail, sealWith, unsealWith } from "./secrets.ts";
import { forgetSessions, SESSION_TTL_S, sessionLookups, toCachedSession } from "./session-cache.ts";
import type { EmailTokenPurpose, PlatformRole, SessionsTable, UsersTable } from "./tables.ts";

/**
 * What the rest of the app does inside the transaction that deletes an account: identity
 * knows no companies, so app.ts passes this in. It throws the problem that refuses the
 * deletion (the last owner of a company: 409) or returns what to do after the commit.
 */
export type AccountDeletionHook = (trx: Executor, userId: string, who: AuditActor) => Promise<() => Promise<void>>;

export interface IdentityDeps {
  readonly accountDeletion: AccountDeletionHook;
  readonly config: Config;
  readonly database: DatabaseHandle;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly mailer: Mailer;
  readonly passwords: PasswordHasher;
  readonly signingKeys: SigningKeys;
  readonly cache: Cache;
  /** What other modules store about a person, for the export and the account deletion (app.ts). */
  readonly personalData: readonly PersonalDataSource[];
}

export interface RequestContext {
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly requestId: string;
}

export interface PublicUser {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  platformRole: PlatformRole;
  createdAt: string;
}

export interface TokenPair {
  accessToken: string;
  tokenType: "Bearer";
  expiresIn: number;
  refreshToken: string;
  sessionId: string;
}

/** The authenticated user of a request, re-read on every request so changes take effect at once. */
export type { UserActor } from "../../platform/access/actor.ts";

export function toPublicUser(user: UsersTable): PublicUser {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    emailVerified: user.email_verified_at !== null,
    platformRole: user.platform_role,
    createdAt: user.created_at,
  };
}

function nowIso(deps: IdentityDeps): string {
  return deps.clock.now().toISOString();
}

function plusSeconds(deps: IdentityDeps, seconds: number): string {
  return new Date(deps.clock.now().getTime() + seconds * 1000).toISOString();
}

/** Where a request came from, as the audit trail records it. */
function auditContext(ctx: RequestContext): Pick<AuditEventInput, "ip" | "userAgent" | "requestId"> {
  return { ip: ctx.ip, userAgent: ctx.userAgent, requestId: ctx.requestId };
}

/** Identity's events belong to the platform stream (no company); the target is the account. */
function userEvent(
  action: string,
  ctx: RequestContext,
  actorId: string | null,
  userId: string | undefined,
  metadata = {},
) {
  return {
    action,
    actorType: "user",
    actorId,
    targetType: userId ? "user" : null,
    targetId: userId ?? null,
    metadata,
    ...auditContext(ctx),
  } satisfies AuditEventInput;
}

/** Security-relevant events, also as structured log lines (alerting reads these). */
function securityEvent(deps: IdentityDeps, action: string, ctx: RequestContext, data: Record<string, unknown>) {
  deps.logger.warn(
    { securityEvent: action, requestId: ctx.requestId, ip: ctx.ip, ...data },
    `security event ${action}`,
  );
}

function assertPassword(password: string, email: string, path: string): void {
  const errors = checkPasswordPolicy(password, { email, path });
  if (errors.length > 0)
    throw new ValidationError(errors, "The password does not meet the password rules.", "auth.weak_password");
}

async function issueEmailToken(deps: IdentityDeps, userId: string, purpose: EmailTokenPurpose, ttlSeconds: number) {
  const token = newOpaqueToken();
  const now = nowIso(deps);
  await inLockedTransaction(deps.database.db, async (trx) => {
    // Issuers for one account take turns on its row, so each expires the link issued before
    // it: only the latest link works, however many requests arrive at once.
    await repo.lockUser(trx, userId);
    await repo.expireEmailTokens(trx, userId, purpose, now);
    await repo.insertEmailToken(trx, {
      id: newId(),
      user_id: userId,
      purpose,
      token_hash: hashToken(token),
      created_at: now,
      expires_at: plusSeconds(deps, ttlSeconds),
      used_at: null,
    });
  });
  return token;
}

function identityMail(
  deps: IdentityDeps,
  kind: IdentityMailKind,
  to: { email: string; name: string },
  link: { path: string; token?: string; expiresInSeconds?: number },
): MailMessage {
  const actionUrl = link.token
    ? buildActionUrl(deps.config.PUBLIC_APP_URL, link.path, link.token)
    : new URL(link.path, deps.config.PUBLIC_APP_URL).toString();
  const expiresInMinutes = link.expiresInSeconds === undefined ? undefined : Math.round(link.expiresInSeconds / 60);
  const mail = renderMail(kind, { name: to.name, actionUrl, expiresInMinutes });
  return { to: to.email, kind, actionUrl: link.token ? actionUrl : undefined, ...mail };
}

/** Mails are queued after the change they announce is committed, never from inside a transaction. */
async function sendIdentityMail(...args: Parameters<typeof identityMail>): Promise<void> {
  await args[0].mailer.send(identityMail(...args));
}

async function verificationMail(deps: IdentityDeps, user: UsersTable): Promise<MailMessage> {
  const ttl = deps.config.EMAIL_VERIFY_TTL_S;
  const token = await issueEmailToken(deps, user.id, "verify_email", ttl);
  return identityMail(deps, "verify-email", user, { path: "/verify-email", token, expiresInSeconds: ttl });
}

async function sendVerification(deps: IdentityDeps, user: UsersTable): Promise<void> {
  await deps.mailer.send(await verificationMail(deps, user));
}

/** Mail requests that name an address which may not be an account (see forgotPassword, resendVerification). */
const MAIL_REQUESTS = { resendVerification: "identity.resend-verification", passwordReset: "identity.password-reset" };

/**
 * Registers how the mail worker answers those requests: the lookup, the token and the
 * rendering happen there, off the request path, and an unknown address simply gets no mail.
 */
export function registerIdentityMailRequests(deps: IdentityDeps): void {
  const activeUser = async (payload: Record<string, unknown>) => {
    const user = await repo.findUserByEmail(deps.database.db, String(payload.email));
    return user?.status === "active" ? user : undefined;
  };
  deps.mailer.handle(MAIL_REQUESTS.resendVerification, async (payload) => {
    const user = await activeUser(payload);
    return user && user.email_verified_at === null ? verificationMail(deps, user) : undefined;
  });
  deps.mailer.handle(MAIL_REQUESTS.passwordReset, async (payload) => {
    const user = await activeUser(payload);
    if (!user) return undefined;
    const ttl = deps.config.PASSWORD_RESET_TTL_S;
    const token = await issueEmailToken(deps, user.id, "reset_password", ttl);
    return identityMail(deps, "password-reset", user, { path: "/reset-password", token, expiresInSeconds: ttl });
  });
}

/**
 * Enumeration-safe: an existing address gets the same answer (and the same hashing work),
 * and its owner gets a notice instead of a verification link.
 */
export interface RegisterInput {
  email: string;
  password: string;
  name: string;
}

export async function register(deps: IdentityDeps, input: RegisterInput, ctx: RequestContext) {
  const email = normalizeEmail(input.email);
  assertPassword(input.password, email, "/body/password");
  const passwordHash = await deps.passwords.hash(input.password);
  const existing = await repo.findUserByEmail(deps.database.db, email);
  if (existing) {
    // The existing account's name, never the one typed into the form (see mail-templates.ts).
    await sendIdentityMail(deps, "existing-account", existing, { path: "/forgot-password" });
    return { email };
  }
  const now = nowIso(deps);
  const user: UsersTable = {
    id: newId(),
    email,
    email_verified_at: null,
    name: input.name.trim(),
    password_hash: passwordHash,
    platform_role: "user",
    status: "active",
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
  try {
    await withTransaction(deps.database.db, async (trx) => {
      await repo.insertUser(trx, user);
      await recordAuditEvent(trx, deps.clock, userEvent("user.registered", ctx, user.id, user.id));
    });
  } catch (error) {
    // A concurrent registration of the same address: answer exactly as for an existing one.
    if (isUniqueViolation(error)) return { email };
    throw error;
  }
  await sendVerification(deps, user);
  return { email };
}

/**
 * Enumeration-safe by timing too: the awaited work is one queued request whether or not the
 * address is an unverified account; the mail worker decides (registerIdentityMailRequests).
 */
export async function resendVerification(deps: IdentityDeps, emailInput: string): Promise<void> {
  await deps.mailer.request(MAIL_REQUESTS.resendVerification, { email: normalizeEmail(emailInput) });
}

/** Consumes a single-use email token of `purpose`; throws the same 422 for unknown, expired and used tokens. */
async function consumeToken(deps: IdentityDeps, token: string, purpose: EmailTokenPurpose) {
  const row = await repo.findEmailToken(deps.database.db, hashToken(token), purpose);
  const now = nowIso(deps);
  if (!row || row.used_at !== null || row.expires_at <= now) throw identityErrors.invalidEmailToken();
  if (!(await repo.consumeEmailToken(deps.database.db, row.id, now))) throw identityErrors.invalidEmailToken();
  const user = await repo.findUserById(deps.database.db, row.user_id);
  if (!user || user.status !== "active") throw identityErrors.invalidEmailToken();
  return user;
}

export async function verifyEmail(deps: IdentityDeps, token: string): Promise<PublicUser> {
  const user = await consumeToken(deps, token, "verify_email");
  const now = nowIso(deps);
  await repo.updateUser(deps.database.db, user.id, {
    email_verified_at: user.email_verified_at ?? now,
    updated_at: now,
  });
  // Signed-in sessions may create companies and invite from the next request on.
  const sessions = await repo.listActiveSessions(deps.database.db, user.id, now);
  await forgetSessions(
    deps,
    sessions.map((session) => session.id),
  );
  return toPublicUser({ ...user, email_verified_at: user.email_verified_at ?? now });
}

/** A failed verification, in the platform's trail (the count was claimed before verifying). */
async function recordLoginFailure(
  deps: IdentityDeps,
  emailHash: string,
  ctx: RequestContext,
  userId: string | undefined,
  lockSeconds: number | undefined,
): Promise<void> {
  await inLockedTransaction(deps.database.db, async (trx) => {
    // The caller is unauthenticated (actor unknown); the account tried, if it exists, is the target.
    await recordAuditEvent(
      trx,
      deps.clock,
      userEvent("auth.login_failed", ctx, null, userId, { emailHash, reason: "invalid_credentials" }),
    );
    if (lockSeconds) {
      securityEvent(deps, "auth.account_locked", ctx, { emailHash, lockSeconds });
      await recordAuditEvent(
        trx,
        deps.clock,
        userEvent("auth.account_locked", ctx, null, userId, { emailHash, lockSeconds }),
      );
    }
  });
}

/**
 * Creates a session for a user whose password was just verified against `verifiedHash` —
 * only if that is still the user's credential when the session is inserted. The user row is
 * locked first, as password changes, resets and suspensions lock it: a session either exists
 * before such a change (and is revoked by it) or is refused after it, never slips between.
 */
async function startSession(
  deps: IdentityDeps,
  user: UsersTable,
  ctx: RequestContext,
  verifiedHash: string,
  rehashed?: string,
): Promise<TokenPair> {
  const now = nowIso(deps);
  const session: SessionsTable = {
    id: newId(),
    user_id: user.id,
    user_agent: ctx.userAgent?.slice(0, 512) ?? null,
    ip: ctx.ip,
    created_at: now,
    last_used_at: now,
    expires_at: plusSeconds(deps, deps.config.REFRESH_TOKEN_TTL_S),
    revoked_at: null,
    revoked_reason: null,
  };
  const refreshToken = newOpaqueToken();
  await inLockedTransaction(deps.database.db, async (trx) => {
    const current = await repo.lockUser(trx, user.id);
    if (current?.status === "suspended") throw identityErrors.accountSuspended();
    if (current?.status !== "active" || current.password_hash !== verifiedHash)
      throw identityErrors.invalidCredentials();
    // Upgrade bcrypt or outdated argon2 parameters now that the plaintext was verified.
    if (rehashed) await repo.updateUser(trx, user.id, { password_hash: rehashed });
    await repo.insertSession(trx, session);
    await repo.insertRefreshToken(trx, {
      id: newId(),
      session_id: session.id,
      token_hash: hashToken(refreshToken),
      created_at: now,
      expires_at: session.expires_at,
      rotated_at: null,
      successor_sealed: null,
    });
    await recordAuditEvent(
      trx,
      deps.clock,
      userEvent("auth.login_succeeded", ctx, user.id, user.id, { sessionId: session.id }),
    );
  });
  return { ...(await accessTokenFor(deps, user.id, session.id)), refreshToken, sessionId: session.id };
}

async function accessTokenFor(deps: IdentityDeps, userId: string, sessionId: string) {
  const { accessToken, expiresIn } = await issueAccessToken(deps.signingKeys, deps.config, deps.clock, {
    userId,
    sessionId,
  });
  return { accessToken, tokenType: "Bearer" as const, expiresIn };
}

export async function login(
  deps: IdentityDeps,
  input: { email: string; password: string },
  ctx: RequestContext,
): Promise<TokenPair & { user: PublicUser }> {
  const email = normalizeEmail(input.email);
  const emailHash = hashToken(`login:${email}`);
  const attempt = await claimLoginAttempt(deps, emailHash);
  if (!attempt.allowed) {
    securityEvent(deps, "auth.login_locked", ctx, { emailHash });
    await recordAuditEvent(
      deps.database.db,
      deps.clock,
      userEvent("auth.login_failed", ctx, null, undefined, {
        emailHash,
        reason: "locked",
        retryAfterSeconds: attempt.retryAfterSeconds,
      }),
    );
    throw identityErrors.invalidCredentials(attempt.retryAfterSeconds);
  }
  const user = await repo.findUserByEmail(deps.database.db, email);
  let verdict = { ok: false, needsRehash: false };
  if (user?.password_hash) verdict = await deps.passwords.verify(user.password_hash, input.password);
  else await deps.passwords.verifyDummy(input.password);
  if (!user?.password_hash || !verdict.ok || user.status === "deleted") {
    securityEvent(deps, "auth.login_failed", ctx, { emailHash, userId: user?.id });
    await recordLoginFailure(deps, emailHash, ctx, user?.id, attempt.lockSeconds);
    throw identityErrors.invalidCredentials(attempt.lockSeconds);
  }
  await repo.clearLoginThrottle(deps.database.db, emailHash);
  if (user.status === "suspended") {
    securityEvent(deps, "auth.suspended_login", ctx, { userId: user.id });
    await recordAuditEvent(deps.database.db, deps.clock, userEvent("auth.suspended_login", ctx, user.id, user.id));
    throw identityErrors.accountSuspended();
  }
  const rehashed = verdict.needsRehash ? await deps.passwords.hash(input.password) : undefined;
  const pair = await startSession(deps, user, ctx, user.password_hash, rehashed);
  return { ...pair, user: toPublicUser(user) };
}

/** The session (refresh-token family) a presented refresh token belongs to: refresh's rate-limit key. */
export async function sessionOfRefreshToken(deps: IdentityDeps, presented: string): Promise<string | undefined> {
  return (await repo.findRefreshTokenByHash(deps.database.db, hashToken(presented)))?.session_id;
}

/**
 * Rotates a refresh token. A token already rotated is either a second tab within the
 * reuse grace (it gets the same successor) or a replay of a stolen token: then the whole
 * session is revoked and a security event recorded.
 */
export async function refresh(deps: IdentityDeps, presented: string, ctx: RequestContext): Promise<TokenPair> {
  const row = await repo.findRefreshTokenByHash(deps.database.db, hashToken(presented));
  if (!row) throw identityErrors.invalidRefreshToken();
  const now = deps.clock.now();
  const session = await repo.findSessionWithUser(deps.database.db, row.session_id);
  if (
    !session ||
    session.revoked_at !== null ||
    session.expires_at <= now.toISOString() ||
    row.expires_at <= now.toISOString()
  ) {
    throw identityErrors.invalidRefreshToken();
  }
  if (session.status !== "active") throw identityErrors.invalidRefreshToken();

  const successor = newOpaqueToken();
  const won =
    row.rotated_at === null &&
    (await inLockedTransaction(deps.database.db, async (trx) => {
      // A revocation (logout, password reset, suspension) that committed first wins: no
      // successor is issued for a session it ended.
      const live = await repo.lockSession(trx, row.session_id);
      if (!live || live.revoked_at !== null) throw identityErrors.invalidRefreshToken();
      if (!(await repo.markRefreshTokenRotated(trx, row.id, now.toISOString(), sealWith(presented, successor))))
        return false;
      await repo.insertRefreshToken(trx, {
        id: newId(),
        session_id: row.session_id,
        token_hash: hashToken(successor),
        created_at: now.toISOString(),
        expires_at: session.expires_at,
        rotated_at: null,
        successor_sealed: null,
      });
      await repo.touchSession(trx, row.session_id, now.toISOString(), ctx.ip, ctx.userAgent?.slice(0, 512) ?? null);
      return true;
    }));
  if (won)
    return {
      ...(await accessTokenFor(deps, session.user_id, session.session_id)),
      refreshToken: successor,
      sessionId: session.session_id,
    };

  // Already rotated (earlier, or by a concurrent request a moment ago).
  const rotated = await repo.findRefreshTokenByHash(deps.database.db, hashToken(presented));
  const rotatedAt = rotated?.rotated_at ? Date.parse(rotated.rotated_at) : 0;
  const withinGrace = now.getTime() - rotatedAt <= deps.config.REFRESH_REUSE_INTERVAL_S * 1000;
  const previous =
    withinGrace && rotated?.successor_sealed ? unsealWith(presented, rotated.successor_sealed) : undefined;
  if (previous) {
    return {
      ...(await accessTokenFor(deps, session.user_id, session.session_id)),
      refreshToken: previous,
      sessionId: session.session_id,
    };
  }
  await withTransaction(deps.database.db, async (trx) => {
    await repo.revokeSession(trx, session.session_id, "refresh_token_reused", now.toISOString());
    // The presenter may be a thief, so the actor is unknown; the session's owner is the target.
    await recordAuditEvent(
      trx,
      deps.clock,
      userEvent("auth.refresh_token_reused", ctx, null, session.user_id, {
        sessionId: session.session_id,
        outcome: "session_revoked",
      }),
    );
  });
  await forgetSessions(deps, [session.session_id]);
  securityEvent(deps, "auth.refresh_token_reused", ctx, { userId: session.user_id, sessionId: session.session_id });
  throw identityErrors.refreshTokenReused();
}

/** Resolves a bearer access token to the current user; suspended users and revoked sessions stop at once. */
export async function authenticateAccessToken(deps: IdentityDeps, token: string): Promise<UserActor | undefined> {
  const claims: AccessTokenClaims = await verifyAccessToken(deps.signingKeys, deps.config, deps.clock, token);
  const session = await sessionLookups(deps.cache).getOrLoad(claims.sid, SESSION_TTL_S, async () => {
    const row = await repo.findSessionWithUser(deps.database.db, claims.sid);
    return row ? toCachedSession(row) : null;
  });
  if (!session || session.userId !== claims.sub || !session.active) return undefined;
  return {
    kind: "user",
    userId: session.userId,
    sessionId: claims.sid,
    platformRole: session.platformRole,
    emailVerified: session.emailVerified,
  };
}

export async function logout(deps: IdentityDeps, actor: UserActor): Promise<void> {
  await repo.revokeSession(deps.database.db, actor.sessionId, "logout", nowIso(deps));
  await forgetSessions(deps, [actor.sessionId]);
}

/** Revokes the session a refresh token belongs to (cookie logout without an access token). */
export async function logoutByRefreshToken(deps: IdentityDeps, presented: string): Promise<void> {
  const row = await repo.findRefreshTokenByHash(deps.database.db, hashToken(presented));
  if (!row) return;
  await repo.revokeSession(deps.database.db, row.session_id, "logout", nowIso(deps));
  await forgetSessions(deps, [row.session_id]);
}

export async function logoutAll(deps: IdentityDeps, actor: UserActor): Promise<number> {
  const revoked = await repo.revokeUserSessions(deps.database.db, actor.userId, "logout_all", nowIso(deps));
  await forgetSessions(deps, revoked);
  return revoked.length;
}

export async function listSessions(deps: IdentityDeps, actor: UserActor) {
  const sessions = await repo.listActiveSessions(deps.database.db, actor.userId, nowIso(deps));
  return sessions.map((s) => ({
    id: s.id,
    current: s.id === actor.sessionId,
    device: s.user_agent,
    ip: s.ip,
    createdAt: s.created_at,
    lastUsedAt: s.last_used_at,
    expiresAt: s.expires_at,
  }));
}

export async function revokeOwnSession(deps: IdentityDeps, actor: UserActor, sessionId: string): Promise<void> {
  const session = await repo.findSession(deps.database.db, sessionId);
  // Another user's session answers exactly like a missing one.
  if (!session || session.user_id !== actor.userId || session.revoked_at !== null)
    throw identityErrors.sessionNotFound();
  await repo.revokeSession(deps.database.db, sessionId, "revoked_by_user", nowIso(deps));
  await forgetSessions(deps, [sessionId]);
}

/** Enumeration-safe by timing too: one queued request for any address (see resendVerification). */
export async function forgotPassword(deps: IdentityDeps, emailInput: string): Promise<void> {
  await deps.mailer.request(MAIL_REQUESTS.passwordReset, { email: normalizeEmail(emailInput) });
}

/**
 * Validates first, then consumes the link in the same transaction as the change it
 * authorises: a weak password, or a conflict the database aborts, leaves the link unspent.
 * The user row is locked before the token (users → tokens), as logins lock it before
 * inserting a session: a reset ends every session, including one being created.
 */
export async function resetPassword(
  deps: IdentityDeps,
  input: { token: string; password: string },
  ctx: RequestContext,
) {
  const tokenHash = hashToken(input.token);
  const link = await repo.findEmailToken(deps.database.db, tokenHash, "reset_password");
  const owner = link ? await repo.findUserById(deps.database.db, link.user_id) : undefined;
  if (!link || !owner || !usableLink(deps, link)) throw identityErrors.invalidEmailToken();
  assertPassword(input.password, owner.email, "/body/password");
  const passwordHash = await deps.passwords.hash(input.password);
  const now = nowIso(deps);
  const { user, revoked } = await inLockedTransaction(deps.database.db, async (trx) => {
    const user = await repo.lockUser(trx, owner.id);
    if (!user || user.status !== "active") throw identityErrors.invalidEmailToken();
    if (!(await repo.consumeEmailToken(trx, link.id, now))) throw identityErrors.invalidEmailToken();
    // A reset proves control of the mailbox, so it also verifies the address.
    await repo.updateUser(trx, user.id, {
      password_hash: passwordHash,
      email_verified_at: user.email_verified_at ?? now,
      updated_at: now,
    });
    const revoked = await repo.revokeUserSessions(trx, user.id, "password_reset", now);
    await repo.clearLoginThrottle(trx, hashToken(`login:${user.email}`));
    await recordAuditEvent(
      trx,
      deps.clock,
      userEvent("auth.password_reset", ctx, user.id, user.id, { sessionsRevoked: "all" }),
    );
    return { user, revoked };
  });
  await forgetSessions(deps, revoked);
  securityEvent(deps, "auth.password_reset", ctx, { userId: user.id });
  await sendIdentityMail(deps, "password-changed", user, { path: "/forgot-password" });
}

function usableLink(deps: IdentityDeps, link: { used_at: string | null; expires_at: string }): boolean {
  return link.used_at === null && link.expires_at > nowIso(deps);
}

export async function changePassword(
  deps: IdentityDeps,
  actor: UserActor,
  input: { currentPassword: string; newPassword: string },
  ctx: RequestContext,
) {
  const user = await requireUser(deps, actor);
  await assertCurrentPassword(deps, user, input.currentPassword, "/body/currentPassword");
  assertPassword(input.newPassword, user.email, "/body/newPassword");
  const passwordHash = await deps.passwords.hash(input.newPassword);
  const now = nowIso(deps);
  const revoked = await inLockedTransaction(deps.database.db, async (trx) => {
    // The user row first: logins racing this change either made their session before it
    // (revoked here) or find the credential changed when they insert theirs.
    const current = await repo.lockUser(trx, user.id);
    if (current?.password_hash !== user.password_hash) throw identityErrors.wrongPassword("/body/currentPassword");
    await repo.updateUser(trx, user.id, { password_hash: passwordHash, updated_at: now });
    const sessions = await repo.revokeUserSessions(trx, user.id, "password_changed", now, actor.sessionId);
    await recordAuditEvent(
      trx,
      deps.clock,
      userEvent("auth.password_changed", ctx, user.id, user.id, { sessionsRevoked: "others" }),
    );
    return sessions;
  });
  await forgetSessions(deps, revoked);
  securityEvent(deps, "auth.password_changed", ctx, { userId: user.id });
  await sendIdentityMail(deps, "password-changed", user, { path: "/forgot-password" });
}

/** Sensitive changes of a signed-in user re-check the password; `path` names the field in the 422. */
async function assertCurrentPassword(deps: IdentityDeps, user: UsersTable, password: string, path: string) {
  const verdict = user.password_hash ? await deps.passwords.verify(user.password_hash, password) : { ok: false };
  if (!verdict.ok) throw identityErrors.wrongPassword(path);
}

async function requireUser(deps: IdentityDeps, actor: UserActor): Promise<UsersTable> {
  const user = await repo.findUserById(deps.database.db, actor.userId);
  if (!user) throw identityErrors.invalidRefreshToken();
  return user;
}

export async function getMe(deps: IdentityDeps, actor: UserActor): Promise<PublicUser> {
  return toPublicUser(await requireUser(deps, actor));
}

export async function updateMe(deps: IdentityDeps, actor: UserActor, input: { name: string }): Promise<PublicUser> {
  const now = nowIso(deps);
  await repo.updateUser(deps.database.db, actor.userId, { name: input.name.trim(), updated_at: now });
  return getMe(deps, actor);
}

/**
 * Deactivates the account and erases what is stored about the person (docs/data.md,
 * "Personal data"): the row is scrubbed but stays, so the references that remain (audit
 * events, keys, partnerships) point to an id that no longer says who it was.
 */
export async function deleteMe(deps: IdentityDeps, actor: UserActor, input: { password: string }, ctx: RequestContext) {
  const user = await requireUser(deps, actor);
  await assertCurrentPassword(deps, user, input.password, "/body/password");
  const now = nowIso(deps);
  const { revoked, afterCommit } = await inLockedTransaction(deps.database.db, async (trx) => {
    // First: refuses the last owner of a company (409) before anything changes; its company
    // and membership locks come before the user's, as the locking discipline orders them.
    const afterCommit = await deps.accountDeletion(trx, user.id, {
      actorType: "user",
      actorId: user.id,
      ...auditContext(ctx),
    });
    await repo.lockUser(trx, user.id);
    const deleted = await repo.updateLiveUser(trx, user.id, {
      status: "deleted",
      email: `deleted+${user.id}@invalid`,
      name: "",
      password_hash: null,
      deleted_at: now,
      updated_at: now,
    });
    if (!deleted) throw identityErrors.invalidRefreshToken();
    const sessions = await repo.revokeUserSessions(trx, user.id, "account_deleted", now);
    // The platform stream first, then the companies' (sorted): every multi-stream writer locks in this order.
    await recordAuditEvent(trx, deps.clock, userEvent("user.deleted", ctx, user.id, user.id));
    // What other modules keep about the person (sessions, tokens, invitations, audit IPs): erased here.
    const erased = await erasePersonalData(trx, allSources(deps.personalData), personOf(user), deps.clock);
    return { revoked: sessions, afterCommit: [afterCommit, ...erased] };
  });
  await forgetSessions(deps, revoked);
  for (const evict of afterCommit) await evict();
  securityEvent(deps, "user.deleted", ctx, { userId: user.id });
}

/** Everything stored about the signed-in person, one array per category (docs/data.md). */
export async function exportMe(deps: IdentityDeps, actor: UserActor) {
  const user = await requireUser(deps, actor);
  const categories = await collectPersonalData(deps.database.db, allSources(deps.personalData), personOf(user));
  return { user: toPublicUser(user), exportedAt: nowIso(deps), ...categories };
}

/** Names and addresses of users, for other modules' listings (e.g. a company's members). */
export async function userProfiles(
  deps: Pick<IdentityDeps, "database">,
  ids: readonly string[],
): Promise<Map<string, { email: string; name: string }>> {
  const users = await repo.findUsersByIds(deps.database.db, ids);
  return new Map(users.map((user) => [user.id, { email: user.email, name: user.name }]));
}

/** The id of the account using this address, if any (invitations: "is this person already a member?"). */
export async function findUserIdByEmail(
  deps: Pick<IdentityDeps, "database">,
  email: string,
): Promise<string | undefined> {
  const user = await repo.findUserByEmail(deps.database.db, normalizeEmail(email));
  return user && user.status !== "deleted" ? user.id : undefined;
}

/**
 * Whether the account may act at all (not suspended, not deleted): rights others received
 * from this user (API keys, invitations) are only as good as this (docs/security.md).
 */
export async function isActiveAccount(deps: Pick<IdentityDeps, "database">, userId: string): Promise<boolean> {
  const user = await repo.findUserById(deps.database.db, userId);
  return user?.status === "active";
}

/** A user's address and whether they proved they own it (invitations must go to a verified mailbox). */
export async function emailOf(
  deps: Pick<IdentityDeps, "database">,
  userId: string,
): Promise<{ email: string; verified: boolean } | undefined> {
  const user = await repo.findUserById(deps.database.db, userId);
  return user ? { email: user.email, verified: user.email_verified_at !== null } : undefined;
}

// ---- platform administration ---------------------------------------------------------------

export interface AdminUserView extends PublicUser {
  status: UsersTable["status"];
}

export async function listUsers(deps: Pick<IdentityDeps, "database">, query: PageQuery): Promise<Page<AdminUserView>> {
  const page = pageRequest(query, isUuid);
  const rows = await repo.pageOfUsers(deps.database.db, page);
  return toPage(
    rows,
    page,
    (row) => row.id,
    (row) => ({ ...toPublicUser(row), status: row.status }),
  );
}

/**
 * Suspension takes effect on the next request: every session is revoked in the same
 * transaction and authentication re-reads the user's status on each request. Lifting it
 * restores nothing: the user signs in again.
 */
export async function setUserSuspended(
  deps: Pick<IdentityDeps, "database" | "clock" | "cache">,
  userId: string,
  suspended: boolean,
  who: AuditActor,
): Promise<AdminUserView> {
  if (!isUuid(userId)) throw identityErrors.userNotFound();
  const now = deps.clock.now().toISOString();
  const status = suspended ? "suspended" : "active";
  const { user, revoked } = await inLockedTransaction(deps.database.db, async (trx) => {
    // The operator and the account, locked in id order: two admins suspending each other
    // take turns, and the second finds they no longer hold the right to.
    const operatorId = who.actorType === "user" ? who.actorId : null;
    const users = await repo.lockUsers(trx, operatorId ? [userId, operatorId] : [userId]);
    const operator = operatorId ? users.get(operatorId) : undefined;
    if (operatorId && (operator?.status !== "active" || operator.platform_role !== "admin")) {
      throw new ForbiddenError("access.platform_admin_required", "This endpoint is for platform administrators.");
    }
    const user = users.get(userId);
    // Deleted is terminal: never suspended or unsuspended, even when deleted a moment ago.
    if (!user || !(await repo.updateLiveUser(trx, userId, { status, updated_at: now })))
      throw identityErrors.userNotFound();
    const sessions = suspended ? await repo.revokeUserSessions(trx, userId, "suspended", now) : [];
    await recordAuditEvent(trx, deps.clock, {
      ...who,
      action: suspended ? "user.suspended" : "user.unsuspended",
      targetType: "user",
      targetId: userId,
      metadata: { before: user.status, after: status, sessionsRevoked: sessions.length },
    });
    return { user, revoked: sessions };
  });
  await forgetSessions(deps, revoked);
  return { ...toPublicUser(user), status };
}

/** What `rampart users create-admin` did, or why it refused. */
export type AdminPromotion =
  | { readonly outcome: "created"; readonly userId: string }
  | { readonly outcome: "promoted"; readonly userId: string; readonly sessionsRevoked: number }
  | { readonly outcome: "refused"; readonly reason: string };

/**
 * `rampart users create-admin`: creates the account (verified, with the operator's
 * password) when there is none, or promotes an existing one — only when its owner proved
 * the address (else whoever registered it first, perhaps an attacker who knew the
 * operator's address, would become admin), and only without a password (the operator's
 * password would silently not be the account's). Promotion revokes every session of the
 * account: whoever is signed in must sign in again to act as admin.
 */
export async function createOrPromoteAdmin(
  deps: Pick<IdentityDeps, "database" | "clock" | "passwords">,
  input: { email: string; name?: string; password: string; passwordFromOperator: boolean },
): Promise<AdminPromotion> {
  const email = normalizeEmail(input.email);
  const now = deps.clock.now().toISOString();
  const existing = await repo.findUserByEmail(deps.database.db, email);
  if (existing) {
    if (input.passwordFromOperator) {
      return {
        outcome: "refused",
        reason: `${email} already has an account: --password-stdin sets the password of a new account only. Run again without it to promote the account, whose owner keeps their own password.`,
      };
    }
    if (existing.status !== "active") {
      return { outcome: "refused", reason: `the account of ${email} is ${existing.status}: it cannot be promoted` };
    }
    if (existing.email_verified_at === null) {
      return {
        outcome: "refused",
        reason: `the account of ${email} has not confirmed its address, so it may not be yours: confirm it through the verification mail (or delete that account), then run again`,
      };
    }
    const sessions = await withTransaction(deps.database.db, async (trx) => {
      await repo.updateUser(trx, existing.id, { platform_role: "admin", updated_at: now });
      const revoked = await repo.revokeUserSessions(trx, existing.id, "promoted_admin", now);
      await recordAuditEvent(trx, deps.clock, {
        ...systemActor("cli"),
        action: "user.promoted_admin",
        targetType: "user",
        targetId: existing.id,
        metadata: { sessionsRevoked: revoked.length },
      });
      return revoked;
    });
    return { outcome: "promoted", userId: existing.id, sessionsRevoked: sessions.length };
  }
  assertPassword(input.password, email, "password");
  const user: UsersTable = {
    id: newId(),
    email,
    email_verified_at: now,
    name: input.name?.trim() || email,
    password_hash: await deps.passwords.hash(input.password),
    platform_role: "admin",
    status: "active",
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
  await repo.insertUser(deps.database.db, user);
  return { outcome: "created", userId: user.id };
}

export async function countPlatformAdmins(deps: Pick<IdentityDeps, "database">): Promise<number> {
  return repo.countAdmins(deps.database.db);
}
