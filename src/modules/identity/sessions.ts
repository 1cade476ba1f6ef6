import type { Transaction } from "kysely";
import type { AccessTokenClaims } from "../../platform/auth/access-token.ts";
import { verifyAccessTokenOnce } from "../../platform/auth/verified-tokens.ts";
import { newId } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import type { Database } from "../../platform/db/schema.ts";
import { withTransaction } from "../../platform/db/transaction.ts";
import { recordAuditEvent } from "../audit/index.ts";
import { identityErrors } from "./errors.ts";
import { hasConfirmedFactor } from "./factors.ts";
import { claimLoginAttempt } from "./login-throttle.ts";
import { endForSecondFactor, issueMfaTicket, type MfaClient, type MfaRequired } from "./mfa-tickets.ts";
import * as repo from "./repository.ts";
import { hashToken, newOpaqueToken, normalizeEmail, sealWith, unsealWith } from "./secrets.ts";
import {
  type IdentityDeps,
  type PublicUser,
  type RequestContext,
  securityEvent,
  type TokenPair,
  toPublicUser,
  type UserActor,
  userEvent,
} from "./service.ts";
import { forgetSessions, SESSION_TTL_S, sessionLookups, toCachedSession } from "./session-cache.ts";
import { accessTokenFor, sessionAuthentication } from "./session-tokens.ts";
import { assertSignInWithoutSso } from "./sso-policy.ts";
import type { RefreshTokensTable, SessionsTable, UsersTable } from "./tables.ts";
import { forgetUsers } from "./user-cache.ts";

// Sessions: login (with its throttle and lockout), the refresh-token family a login starts and
// its rotation, the access token that authenticates each request, and ending sessions.

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
 * Another credential (a passkey) passes instead a check that runs under the same lock and
 * says whether that credential still holds.
 */
export async function startSession(
  deps: IdentityDeps,
  user: UsersTable,
  ctx: RequestContext,
  verifiedHash: string | ((trx: Transaction<Database>) => Promise<boolean>),
  rehashed?: string,
  amr: readonly string[] = ["pwd"],
  sso?: { readonly connectionId: string; readonly maxAgeS: number | null },
): Promise<TokenPair> {
  // Every sign-in but SSO's is refused for an address whose company requires SSO (sso-policy.ts).
  if (!amr.includes("sso")) await assertSignInWithoutSso(deps, user, ctx);
  const now = deps.clock.nowIso();
  const lifetimeS = Math.min(deps.config.REFRESH_TOKEN_TTL_S, sso?.maxAgeS ?? Number.POSITIVE_INFINITY);
  const session: SessionsTable = {
    id: newId(),
    user_id: user.id,
    user_agent: ctx.userAgent?.slice(0, 512) ?? null,
    ip: ctx.ip,
    created_at: now,
    last_used_at: now,
    // From the same instant as created_at: a second clock read could make the lifetime a millisecond off.
    expires_at: new Date(Date.parse(now) + lifetimeS * 1000).toISOString(),
    revoked_at: null,
    revoked_reason: null,
    amr: amr.join(","),
    auth_time: now,
    sso_connection_id: sso?.connectionId ?? null,
  };
  const refreshToken = newOpaqueToken();
  await inLockedTransaction(deps.database.db, async (trx) => {
    const current = await repo.lockUser(trx, user.id);
    if (current?.status === "suspended") throw identityErrors.accountSuspended();
    const holds = typeof verifiedHash === "string" ? current?.password_hash === verifiedHash : await verifiedHash(trx);
    if (current?.status !== "active" || !holds) throw identityErrors.invalidCredentials();
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
      userEvent("auth.login_succeeded", ctx, user.id, user.id, {
        sessionId: session.id,
        amr,
        ...(sso ? { ssoConnectionId: sso.connectionId } : {}),
      }),
    );
  });
  // The cached row holds no hash, but every writer of the users table evicts (user-cache.ts).
  if (rehashed) await forgetUsers(deps, [user.id]);
  const authentication = sessionAuthentication(session);
  return { ...(await accessTokenFor(deps, user.id, session.id, authentication)), refreshToken, sessionId: session.id };
}

/** A password sign-in either ends with tokens or, for an account with a second factor, with a ticket. */
export type LoginOutcome = ({ readonly kind: "tokens"; readonly user: PublicUser } & TokenPair) | MfaRequired;

export async function login(
  deps: IdentityDeps,
  input: { email: string; password: string },
  ctx: RequestContext,
  client: MfaClient,
): Promise<LoginOutcome> {
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
  // With a second factor the sign-in is not over: the count is cleared only when the factor
  // is proven (factors.ts), else a known password would reset the count of wrong codes at
  // every new ticket. This attempt's own claim is given back, unless it started a lockout.
  const hasFactor = await hasConfirmedFactor(deps, user.id);
  if (!hasFactor) await repo.clearLoginThrottle(deps.database.db, emailHash);
  else if (!attempt.lockSeconds) await repo.refundLoginAttempt(deps.database.db, emailHash);
  else {
    // Earlier wrong codes brought the count to this claim's lockout: it stands, and says so.
    securityEvent(deps, "auth.account_locked", ctx, { emailHash, lockSeconds: attempt.lockSeconds });
    await recordAuditEvent(
      deps.database.db,
      deps.clock,
      userEvent("auth.account_locked", ctx, null, user.id, { emailHash, lockSeconds: attempt.lockSeconds }),
    );
    throw identityErrors.invalidCredentials(attempt.lockSeconds);
  }
  // Refused before a second factor is asked for: the password is right, but not the way in.
  await assertSignInWithoutSso(deps, user, ctx);
  if (user.status === "suspended") {
    securityEvent(deps, "auth.suspended_login", ctx, { userId: user.id });
    await recordAuditEvent(deps.database.db, deps.clock, userEvent("auth.suspended_login", ctx, user.id, user.id));
    throw identityErrors.accountSuspended();
  }
  if (hasFactor) {
    // No session yet (and no rehash: that happens under the user lock when a session starts,
    // and the ticket's completion no longer has the plaintext; the next factor-less login does it).
    return { kind: "mfa_required", ...(await issueMfaTicket(deps, user, client, ctx)) };
  }
  const rehashed = verdict.needsRehash ? await deps.passwords.hash(input.password) : undefined;
  const pair = await startSession(deps, user, ctx, user.password_hash, rehashed);
  return { kind: "tokens", ...pair, user: toPublicUser(user) };
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
export async function rotateRefreshToken(
  deps: IdentityDeps,
  presented: string,
  ctx: RequestContext,
  client: MfaClient,
): Promise<TokenPair | MfaRequired> {
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
  const authentication = sessionAuthentication(session);
  // A session that never used the account's second factor (it predates the enrolment) is
  // not extended: it ends, and the client is asked for the factor like at sign-in.
  // An SSO session's strength is its company IdP's to decide (docs/sso.md): it is not ended here.
  const factorless = !authentication.amr.includes("mfa") && !authentication.amr.includes("sso");
  if (factorless && (await hasConfirmedFactor(deps, session.user_id))) {
    return endForSecondFactor(deps, session.session_id, session.user_id, client, ctx);
  }

  const successor = newOpaqueToken();
  // What the token was rotated to when this request does not rotate it: by an earlier request
  // (the row as read above), or by a concurrent one between that read and this request's update
  // (re-read under the session's lock, where the row cannot vanish: erasing the account deletes
  // its sessions, and their tokens, under that lock too).
  let rotation: Pick<RefreshTokensTable, "rotated_at" | "successor_sealed"> = row;
  if (row.rotated_at === null) {
    const lost = await inLockedTransaction(deps.database.db, async (trx) => {
      // A revocation (logout, password reset, suspension) that committed first wins: no
      // successor is issued for a session it ended.
      const live = await repo.lockSession(trx, row.session_id);
      if (!live || live.revoked_at !== null) throw identityErrors.invalidRefreshToken();
      if (!(await repo.markRefreshTokenRotated(trx, row.id, now.toISOString(), sealWith(presented, successor))))
        return repo.refreshTokenRotation(trx, row.id);
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
      return undefined;
    });
    if (lost === undefined)
      return {
        ...(await accessTokenFor(deps, session.user_id, session.session_id, authentication)),
        refreshToken: successor,
        sessionId: session.session_id,
      };
    rotation = lost;
  }

  const rotatedAt = rotation.rotated_at ? Date.parse(rotation.rotated_at) : 0;
  const withinGrace = now.getTime() - rotatedAt <= deps.config.REFRESH_REUSE_INTERVAL_S * 1000;
  const previous =
    withinGrace && rotation.successor_sealed ? unsealWith(presented, rotation.successor_sealed) : undefined;
  if (previous) {
    return {
      ...(await accessTokenFor(deps, session.user_id, session.session_id, authentication)),
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
  const claims: AccessTokenClaims = await verifyAccessTokenOnce(deps.signingKeys, deps.config, deps.clock, token);
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
    amr: claims.amr ?? [],
    ...(claims.auth_time === undefined ? {} : { authTime: claims.auth_time }),
  };
}
