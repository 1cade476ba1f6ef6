import { isStronger, type Role } from "../../platform/access/permissions.ts";
import { isUniqueViolation } from "../../platform/db/errors.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import type { ForbiddenError } from "../../platform/errors/app-error.ts";
import type { AuditActor } from "../audit/index.ts";
import { forgetMembership, lockCompanyToJoin, syncSsoMembership } from "../companies/index.ts";
import {
  findUserIdByEmail,
  forgetSsoUsers,
  normalizeEmail,
  type PublicUser,
  provisionSsoAccount,
  type RequestContext,
  startSsoSession,
  type TokenPair,
} from "../identity/index.ts";
import { ssoErrors } from "./errors.ts";
import { domainOf } from "./policy.ts";
import * as repo from "./repository.ts";
import type { SsoDeps } from "./service.ts";
import type { SsoConnectionsTable } from "./tables.ts";
import { roleMapOf } from "./view.ts";

/** What an identity provider vouched for, as each protocol's callback extracts it. */
export interface SsoIdentity {
  /** The IdP's stable id of the person (OIDC `sub`, SAML NameID). */
  readonly subject: string;
  readonly email: string | undefined;
  /** Whether the IdP says the address is the person's (OIDC `email_verified`; SAML: the caller's decision). */
  readonly emailVerified: boolean;
  readonly name?: string | undefined;
  readonly groups: readonly string[];
}

export interface SsoSignInResult extends TokenPair {
  readonly user: PublicUser;
  readonly companyId: string;
  readonly role: Role;
  /** True when this sign-in created the account. */
  readonly created: boolean;
}

/** The strongest role any of the person's groups maps to; the connection's default otherwise. */
export function mappedRole(connection: SsoConnectionsTable, groups: readonly string[]): Exclude<Role, "owner"> {
  const map = roleMapOf(connection);
  let role = connection.default_role as Exclude<Role, "owner">;
  let mapped: Exclude<Role, "owner"> | undefined;
  for (const group of groups) {
    const candidate = map[group] as Exclude<Role, "owner"> | undefined;
    if (candidate && candidate !== ("owner" as string) && (!mapped || isStronger(candidate, mapped)))
      mapped = candidate;
  }
  if (mapped) role = mapped;
  return role;
}

/**
 * Why a sign-in of this identity through this connection would be refused, or undefined.
 * The address must be of a domain the connection's company verified (an IdP is trusted for
 * its company's domains only, never for others'), and the IdP must say it is verified.
 */
export async function refusalOf(
  deps: SsoDeps,
  connection: SsoConnectionsTable,
  identity: SsoIdentity,
): Promise<ForbiddenError | undefined> {
  if (connection.status !== "enabled") return ssoErrors.connectionDisabled();
  if (!identity.email || !identity.email.includes("@"))
    return ssoErrors.emailNotTrusted("The identity provider sent no email address.");
  const domain = await repo.verifiedDomain(deps.database.db, domainOf(identity.email));
  if (!domain || domain.company_id !== connection.company_id)
    return ssoErrors.emailNotTrusted("The address is not of a domain this company has verified.");
  if (!identity.emailVerified)
    return ssoErrors.emailNotTrusted("The identity provider does not say the address is verified.");
  return undefined;
}

/**
 * The end of every SSO sign-in, whatever the protocol (OIDC callback, SAML assertion
 * consumer): the account of the address, created just in time; the membership with the
 * mapped role (created, or updated to follow the IdP's groups, owners excepted); a session
 * whose amr is ["sso", protocol] and which carries the connection id, living at most the
 * connection's maximum session age. Refusals are 403 problems (sso.*).
 */
export async function completeSsoSignIn(
  deps: SsoDeps,
  connection: SsoConnectionsTable,
  identity: SsoIdentity,
  ctx: RequestContext,
): Promise<SsoSignInResult> {
  const refusal = await refusalOf(deps, connection, identity);
  if (refusal) {
    // For alerting: who the IdP vouched for and why Rampart said no (the address's domain only).
    deps.logger.warn(
      {
        securityEvent: "sso.sign_in_refused",
        requestId: ctx.requestId,
        ip: ctx.ip,
        connectionId: connection.id,
        companyId: connection.company_id,
        code: refusal.code,
        emailDomain: identity.email?.slice(identity.email.lastIndexOf("@") + 1) ?? null,
      },
      "security event sso.sign_in_refused",
    );
    throw refusal;
  }
  const role = mappedRole(connection, identity.groups);
  const companyId = connection.company_id;
  const provision = () =>
    inLockedTransaction(deps.database.db, async (trx) => {
      // The company first (the global lock order); then the account, then its membership.
      const company = await lockCompanyToJoin(trx, companyId);
      if (company?.status !== "active") throw ssoErrors.companyUnavailable();
      const live = await repo.findConnectionById(trx, connection.id);
      if (live?.status !== "enabled") throw ssoErrors.connectionDisabled();
      const account = await provisionSsoAccount(
        deps.identity,
        trx,
        { email: identity.email as string, name: identity.name },
        ctx,
      );
      const who: AuditActor = {
        actorType: "user",
        actorId: account.user.id,
        ip: ctx.ip,
        userAgent: ctx.userAgent,
        requestId: ctx.requestId,
      };
      await syncSsoMembership(deps.companies, trx, companyId, account.user.id, role, who, {
        via: "sso",
        connectionId: connection.id,
      });
      return account;
    });
  // Two first sign-ins of one address at once: the second's insert of the account collides
  // with the first's; run again, it finds the account the first created.
  const { user, created } = await provision().catch((error: unknown) => {
    if (isUniqueViolation(error)) return provision();
    throw error;
  });
  await forgetMembership(deps.companies, companyId, user.id);
  await forgetSsoUsers(deps.identity, [user.id]);
  const pair = await startSsoSession(deps.identity, user, ctx, {
    protocol: connection.protocol,
    connectionId: connection.id,
    maxAgeS: connection.session_max_age_s,
  });
  return { ...pair, companyId, role, created };
}

/** The test-connection dry run: what a sign-in would do, nothing written. */
export async function previewSsoSignIn(deps: SsoDeps, connection: SsoConnectionsTable, identity: SsoIdentity) {
  const refusal = await refusalOf(deps, { ...connection, status: "enabled" }, identity);
  const email = identity.email ? normalizeEmail(identity.email) : null;
  return {
    dryRun: true as const,
    connectionId: connection.id,
    subject: identity.subject,
    email,
    emailVerified: identity.emailVerified,
    name: identity.name ?? null,
    groups: [...identity.groups],
    role: mappedRole(connection, identity.groups),
    wouldSignIn: refusal === undefined,
    refusal: refusal?.code ?? null,
    accountExists: email ? (await findUserIdByEmail(deps.identity, email)) !== undefined : false,
  };
}
