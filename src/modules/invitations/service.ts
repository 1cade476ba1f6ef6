import type { Config } from "../../config/settings/index.ts";
import type { TenantAccess, UserActor } from "../../platform/access/actor.ts";
import { accessErrors } from "../../platform/access/errors.ts";
import { isStronger, type Permission, type Role } from "../../platform/access/permissions.ts";
import type { Cache } from "../../platform/cache/contract.ts";
import type { Clock } from "../../platform/clock.ts";
import type { DatabaseHandle } from "../../platform/db/connect.ts";
import { isUniqueViolation } from "../../platform/db/errors.ts";
import { isUuid, newId } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import { type Page, type PageQuery, pageRequest, toPage } from "../../platform/http/pagination.ts";
import type { Mailer } from "../../platform/mail/mailer.ts";
import { type AuditActor, recordCompanyChange } from "../audit/index.ts";
import * as companies from "../companies/index.ts";
import * as identity from "../identity/index.ts";
import { invitationErrors } from "./errors.ts";
import { renderInvitationMail } from "./mail.ts";
import * as repo from "./repository.ts";
import type { InvitationsTable } from "./tables.ts";

/** Who sent an invitation: a user, or an API key (acting within its creator's rights). */
export interface InvitationGrantor {
  readonly userId: string | null;
  readonly apiKeyId: string | null;
}

/**
 * What an invitation's grantor may do in the company now (role for a user, permissions),
 * or null when nothing. Passed in by the app (src/modules/creator-rights.ts): invitations
 * knows neither keys nor account statuses.
 */
export type GrantorRights = (
  companyId: string,
  grantor: InvitationGrantor,
) => Promise<{ readonly role?: Role; readonly permissions: ReadonlySet<Permission> } | null>;

export interface InvitationsDeps {
  readonly config: Config;
  readonly database: DatabaseHandle;
  readonly clock: Clock;
  readonly cache: Cache;
  readonly mailer: Mailer;
  readonly keyIsLive?: companies.KeyLiveness;
  readonly grantorRights: GrantorRights;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  invitedBy: string | null;
  invitedByApiKey: string | null;
  createdAt: string;
  expiresAt: string;
}

export const INVITATION_TTL_DAYS = 7;
export const DAY_MS = 24 * 60 * 60 * 1000;
/** API keys have no rank of their own: they may invite people who cannot manage anyone. */
const API_KEY_INVITABLE: ReadonlySet<Role> = new Set(["member", "viewer"]);

export function toInvitation(row: InvitationsTable): Invitation {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    invitedBy: row.invited_by,
    invitedByApiKey: row.invited_by_api_key,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

/**
 * Checked again on acceptance: an invitation is only as good as its grantor's current
 * rights (removed, demoted, suspended or deleted inviter, or a key now without the right).
 */
async function assertGrantorStillMay(deps: InvitationsDeps, invitation: InvitationsTable): Promise<void> {
  const grantor = { userId: invitation.invited_by, apiKeyId: invitation.invited_by_api_key };
  const rights = await deps.grantorRights(invitation.company_id, grantor);
  if (!rights?.permissions.has("members:invite")) throw invitationErrors.withdrawn();
  // A key has no rank: it may invite members and viewers; a user up to their own role.
  const withinRank =
    grantor.apiKeyId !== null
      ? API_KEY_INVITABLE.has(invitation.role)
      : rights.role !== undefined && !isStronger(invitation.role, rights.role);
  if (!withinRank) throw invitationErrors.withdrawn();
}

function assertJoinable(status: string | null | undefined): void {
  if (status === "suspended") {
    throw accessErrors.companySuspended();
  }
  if (status !== "active") throw invitationErrors.notFound();
}

export function assertMayInviteAs(tenant: TenantAccess, role: Role): void {
  if (tenant.via === "api_key") {
    if (!API_KEY_INVITABLE.has(role)) throw invitationErrors.keyRoleTooStrong(role);
    return;
  }
  // members:invite is never a partner scope, so a caller here without a role is a bug.
  if (tenant.role === undefined || isStronger(role, tenant.role)) throw invitationErrors.roleTooStrong(role);
}

/** 409 when the address already belongs to a member: an invitation would invite them to nothing. */
export async function assertNotMember(deps: InvitationsDeps, companyId: string, email: string): Promise<void> {
  const userId = await identity.findUserIdByEmail(deps, email);
  if (userId !== undefined && (await companies.roleOf(deps, companyId, userId)) !== null) {
    throw invitationErrors.alreadyMember();
  }
}

export async function createInvitation(
  deps: InvitationsDeps,
  tenant: TenantAccess,
  inviter: InvitationGrantor,
  input: { email: string; role: Role },
  who: AuditActor,
): Promise<Invitation> {
  assertMayInviteAs(tenant, input.role);
  const email = identity.normalizeEmail(input.email);
  await assertNotMember(deps, tenant.companyId, email);
  const company = await companies.findCompanyById(deps, tenant.companyId);
  if (!company) throw accessErrors.companyNotFound();

  const token = identity.newOpaqueToken();
  const now = deps.clock.now();
  const row: InvitationsTable = {
    id: newId(),
    company_id: tenant.companyId,
    email,
    role: input.role,
    token_hash: identity.hashToken(token),
    invited_by: inviter.userId,
    invited_by_api_key: inviter.apiKeyId,
    status: "pending",
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + INVITATION_TTL_DAYS * DAY_MS).toISOString(),
    accepted_at: null,
    accepted_by: null,
    revoked_at: null,
  };
  try {
    await inLockedTransaction(deps.database.db, async (trx) => {
      // The inviter's rank as it is now, under the company's lock (a removed admin invites no one).
      const { access } = await companies.lockForChange(deps, trx, tenant, who, "members:invite");
      assertMayInviteAs(access, input.role);
      const pending = await repo.findPendingForEmail(trx, tenant.companyId, email);
      if (pending) {
        if (new Date(pending.expires_at).getTime() > now.getTime()) throw invitationErrors.duplicate();
        await repo.markExpired(trx, tenant.companyId, pending.id);
      }
      await repo.insertInvitation(trx, row);
      await recordCompanyChange(
        trx,
        deps.clock,
        who,
        { companyId: tenant.companyId, action: "invitation.created", target: { type: "invitation", id: row.id } },
        // Not the address: the hash chain keeps metadata for as long as the trail, and the
        // invitee's address must go when they or the inviter erase their account.
        { role: input.role },
      );
    });
  } catch (error) {
    // A concurrent invitation to the same address won the unique index.
    if (isUniqueViolation(error)) throw invitationErrors.duplicate();
    throw error;
  }
  // After commit: a mail never announces an invitation that was rolled back.
  await mailInvitation(deps, company.name, row, token);
  return toInvitation(row);
}

/** The invitation's mail with its link, handed to the mailer (the durable queue in a server). */
export async function mailInvitation(
  deps: InvitationsDeps,
  companyName: string,
  invitation: Pick<InvitationsTable, "email" | "role">,
  token: string,
): Promise<void> {
  const actionUrl = identity.buildActionUrl(deps.config.PUBLIC_APP_URL, "/invitations/accept", token);
  const mail = renderInvitationMail({
    companyName,
    role: invitation.role,
    actionUrl,
    expiresInDays: INVITATION_TTL_DAYS,
  });
  await deps.mailer.send({ to: invitation.email, kind: "invitation", actionUrl, ...mail });
}

export async function listInvitations(
  deps: InvitationsDeps,
  tenant: TenantAccess,
  query: PageQuery & { readonly includeExpired?: boolean },
): Promise<Page<Invitation>> {
  const page = pageRequest(query, isUuid);
  const lapsedToo = query.includeExpired === true;
  const rows = await repo.pageOfPending(deps.database.db, tenant.companyId, deps.clock.nowIso(), page, lapsedToo);
  return toPage(rows, page, (row) => row.id, toInvitation);
}

export async function revokeInvitation(
  deps: InvitationsDeps,
  tenant: TenantAccess,
  id: string,
  who: AuditActor,
): Promise<void> {
  await inLockedTransaction(deps.database.db, async (trx) => {
    await companies.lockForChange(deps, trx, tenant, who, "members:invite");
    const revoked = isUuid(id) && (await repo.revokeInvitation(trx, tenant.companyId, id, deps.clock.nowIso()));
    if (!revoked) throw invitationErrors.notFound();
    await recordCompanyChange(trx, deps.clock, who, {
      companyId: tenant.companyId,
      action: "invitation.revoked",
      target: { type: "invitation", id },
    });
  });
}

/**
 * Joins the invitation's company. The invitation is claimed and the membership created in
 * one transaction: a failure in either leaves neither (no member without an accepted
 * invitation, no accepted invitation without a member).
 */
export async function acceptInvitation(
  deps: InvitationsDeps,
  actor: UserActor,
  token: string,
  who: AuditActor,
): Promise<companies.Company> {
  const tokenHash = identity.hashToken(token);
  const invitation = await repo.findByTokenHash(deps.database.db, tokenHash);
  if (!invitation) throw invitationErrors.notFound();
  const account = await identity.emailOf(deps, actor.userId);
  // Checked before the invitation's state, so a token in the wrong hands tells nothing about it.
  if (!account || identity.normalizeEmail(account.email) !== invitation.email) throw invitationErrors.emailMismatch();
  if (!account.verified) throw invitationErrors.emailUnverified();
  if (invitation.status === "expired") throw invitationErrors.expired();
  if (invitation.status !== "pending") throw invitationErrors.used();
  const now = deps.clock.now();
  if (new Date(invitation.expires_at).getTime() <= now.getTime()) throw invitationErrors.expired();

  // The grantor's rights are read before the lock (they live in other modules' tables); the
  // company's status is checked again on the locked row, where the membership is inserted.
  assertJoinable(await companies.statusOf(deps, invitation.company_id));
  await assertGrantorStillMay(deps, invitation);

  const company = await inLockedTransaction(deps.database.db, async (trx) => {
    // The company's status as it is when the membership is inserted (locked): a company
    // deleted or suspended while this request ran refuses it, and the invitation stays pending.
    const joined = await companies.lockCompanyToJoin(trx, invitation.company_id);
    assertJoinable(joined?.status);
    if (joined === undefined) throw invitationErrors.notFound();
    // The account next, before the invitation row: a deletion of it in flight is seen, not raced.
    await identity.lockLiveAccount(trx, actor.userId);
    if (!(await repo.markAccepted(trx, invitation.id, tokenHash, actor.userId, now.toISOString()))) {
      // A resend that replaced the token since it was looked up leaves this link as dead as any unknown one.
      if (!(await repo.findByTokenHash(trx, tokenHash))) throw invitationErrors.notFound();
      throw invitationErrors.used();
    }
    await companies.addMember(deps, trx, invitation.company_id, actor.userId, invitation.role);
    await recordCompanyChange(
      trx,
      deps.clock,
      who,
      {
        companyId: invitation.company_id,
        action: "invitation.accepted",
        target: { type: "invitation", id: invitation.id },
      },
      {
        userId: actor.userId,
        role: invitation.role,
      },
    );
    return joined;
  });
  await companies.forgetMembership(deps, invitation.company_id, actor.userId);
  return { ...company, myRole: invitation.role };
}
