import { recordAuditEvent } from "../audit/index.ts";
import { identityErrors } from "./errors.ts";
import { type IdentityDeps, type RequestContext, securityEvent, userEvent } from "./service.ts";

/**
 * Whether an account may sign in other than by SSO (password, passkey, second factor after a
 * password). Identity knows no companies or domains: app.ts passes the sso module's answer in.
 * Returns the slug of the company that requires SSO for the address, or undefined when the
 * account may sign in (no requirement, or a break-glass member of that company).
 */
export type SsoSignInPolicy = (user: { readonly id: string; readonly email: string }) => Promise<string | undefined>;

export async function assertSignInWithoutSso(
  deps: IdentityDeps,
  user: { readonly id: string; readonly email: string },
  ctx: RequestContext,
): Promise<void> {
  const companySlug = await deps.ssoPolicy?.(user);
  if (companySlug === undefined) return;
  securityEvent(deps, "auth.sso_required", ctx, { userId: user.id });
  await recordAuditEvent(
    deps.database.db,
    deps.clock,
    userEvent("auth.login_failed", ctx, null, user.id, { reason: "sso_required" }),
  );
  throw identityErrors.ssoRequired(companySlug);
}
