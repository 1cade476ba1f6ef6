import { newId } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import type { MailMessage } from "../../platform/mail/mailer.ts";
import { buildActionUrl, type IdentityMailKind, renderMail } from "./mail-templates.ts";
import * as repo from "./repository.ts";
import { hashToken, newOpaqueToken } from "./secrets.ts";
import { type IdentityDeps, plusSeconds } from "./service.ts";
import type { EmailTokenPurpose, UsersTable } from "./tables.ts";

// Identity's mails: the single-use links they carry, their rendering, and the mail requests
// the worker answers off the request path (registration, verification, password reset).

export async function issueEmailToken(
  deps: IdentityDeps,
  userId: string,
  purpose: EmailTokenPurpose,
  ttlSeconds: number,
) {
  const token = newOpaqueToken();
  const now = deps.clock.nowIso();
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

export function identityMail(
  deps: Pick<IdentityDeps, "config" | "mailer">,
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
export async function sendIdentityMail(...args: Parameters<typeof identityMail>): Promise<void> {
  await args[0].mailer.send(identityMail(...args));
}

export async function verificationMail(deps: IdentityDeps, user: UsersTable): Promise<MailMessage> {
  const ttl = deps.config.EMAIL_VERIFY_TTL_S;
  const token = await issueEmailToken(deps, user.id, "verify_email", ttl);
  return identityMail(deps, "verify-email", user, { path: "/verify-email", token, expiresInSeconds: ttl });
}

export async function sendVerification(deps: IdentityDeps, user: UsersTable): Promise<void> {
  await deps.mailer.send(await verificationMail(deps, user));
}

/** Mail requests that name an address which may not be an account (see forgotPassword, resendVerification). */
export const MAIL_REQUESTS = {
  resendVerification: "identity.resend-verification",
  passwordReset: "identity.password-reset",
};

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
