import type { Config } from "../../config/settings/index.ts";
import type { SigningKeys } from "../../platform/auth/signing-keys.ts";
import type { Cache } from "../../platform/cache/contract.ts";
import type { Clock } from "../../platform/clock.ts";
import type { SecretSealer } from "../../platform/crypto/secret-sealer.ts";
import type { DatabaseHandle } from "../../platform/db/connect.ts";
import type { PersonalDataSource } from "../../platform/db/personal-data.ts";
import type { Executor } from "../../platform/db/transaction.ts";
import type { Logger } from "../../platform/logging/logger.ts";
import type { Mailer } from "../../platform/mail/mailer.ts";
import type { AuditActor, AuditEventInput } from "../audit/index.ts";
import { identityErrors } from "./errors.ts";
import { checkPasswordPolicy, type PasswordHasher } from "./passwords.ts";
import * as repo from "./repository.ts";
import { normalizeEmail } from "./secrets.ts";
import type { SsoSignInPolicy } from "./sso-policy.ts";
import type { PlatformRole, UsersTable } from "./tables.ts";
import { cachedUser, cachedUsers } from "./user-cache.ts";

// What every use case of identity shares (registration.ts, email-verification.ts, sessions.ts,
// password-reset.ts, account.ts, admin.ts): the deps, the public shapes, the audit and
// security-event helpers, and the lookups other modules use through index.ts.

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
  /** Seals TOTP seeds at rest (purpose "totp-secrets"; app.ts builds it from ENCRYPTION_KEY). */
  readonly totpSealer: SecretSealer;
  /** Refuses non-SSO sign-in where a company requires SSO (the sso module's, wired in app.ts). */
  readonly ssoPolicy?: SsoSignInPolicy;
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

export function plusSeconds(deps: IdentityDeps, seconds: number): string {
  return new Date(deps.clock.now().getTime() + seconds * 1000).toISOString();
}

/** Where a request came from, as the audit trail records it. */
export function auditContext(ctx: RequestContext): Pick<AuditEventInput, "ip" | "userAgent" | "requestId"> {
  return { ip: ctx.ip, userAgent: ctx.userAgent, requestId: ctx.requestId };
}

/** Identity's events belong to the platform stream (no company); the target is the account. */
export function userEvent(
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
export function securityEvent(deps: IdentityDeps, action: string, ctx: RequestContext, data: Record<string, unknown>) {
  deps.logger.warn(
    { securityEvent: action, requestId: ctx.requestId, ip: ctx.ip, ...data },
    `security event ${action}`,
  );
}

export function assertPassword(password: string, email: string, path: string): void {
  const errors = checkPasswordPolicy(password, { email, path });
  if (errors.length > 0) throw identityErrors.weakPassword(errors);
}

/** Names and addresses of users, for other modules' listings (e.g. a company's members). */
export async function userProfiles(
  deps: Pick<IdentityDeps, "database" | "cache">,
  ids: readonly string[],
): Promise<Map<string, { email: string; name: string }>> {
  const users = await cachedUsers(deps, ids);
  return new Map([...users.values()].map((user) => [user.id, { email: user.email, name: user.name }]));
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
export async function isActiveAccount(
  deps: Pick<IdentityDeps, "database" | "cache">,
  userId: string,
): Promise<boolean> {
  return (await cachedUser(deps, userId))?.status === "active";
}

/** A user's address and whether they proved they own it (invitations must go to a verified mailbox). */
export async function emailOf(
  deps: Pick<IdentityDeps, "database">,
  userId: string,
): Promise<{ email: string; verified: boolean } | undefined> {
  const user = await repo.findUserById(deps.database.db, userId);
  return user ? { email: user.email, verified: user.email_verified_at !== null } : undefined;
}
