import type { TenantAccess } from "../../platform/access/actor.ts";
import { accessErrors } from "../../platform/access/errors.ts";
import { isUuid } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import { type AuditActor, recordCompanyChange } from "../audit/index.ts";
import * as companies from "../companies/index.ts";
import * as identity from "../identity/index.ts";
import { invitationErrors } from "./errors.ts";
import * as repo from "./repository.ts";
import {
  assertMayInviteAs,
  assertNotMember,
  DAY_MS,
  INVITATION_TTL_DAYS,
  type Invitation,
  type InvitationGrantor,
  type InvitationsDeps,
  mailInvitation,
  toInvitation,
} from "./service.ts";
import type { InvitationsTable } from "./tables.ts";

/**
 * Sends a pending invitation again — also one whose link lapsed, the usual reason: a new
 * token (the previous link stops working: only the new hash is stored), a full new
 * lifetime from now, and the mail queued again after commit, as on sending. Accepted and
 * revoked invitations, and a lapsed one a newer invitation replaced (status "expired"), stay
 * decided: 409 `invitation.not_resendable`.
 *
 * The resender must be allowed to send this invitation now (members:invite, the role no
 * stronger than theirs; a key invites members and viewers only), and becomes its grantor:
 * acceptance checks the rights of whoever last vouched for the link (service.ts
 * `assertGrantorStillMay`), not of an inviter who may have left since.
 */
export async function resendInvitation(
  deps: InvitationsDeps,
  tenant: TenantAccess,
  resender: InvitationGrantor,
  id: string,
  who: AuditActor,
): Promise<Invitation> {
  if (!isUuid(id)) throw invitationErrors.notFound();
  const company = await companies.findCompanyById(deps, tenant.companyId);
  if (!company) throw accessErrors.companyNotFound();
  const existing = await repo.findInvitation(deps.database.db, tenant.companyId, id);
  if (!existing) throw invitationErrors.notFound();
  if (existing.status !== "pending") throw invitationErrors.notResendable(existing.status);
  // Already a member (joined another way since)? Then a mail would invite them to nothing.
  await assertNotMember(deps, tenant.companyId, existing.email);
  const token = identity.newOpaqueToken();
  const now = deps.clock.now();
  const renewed = await inLockedTransaction(deps.database.db, async (trx) => {
    // Company → the actor's membership → the invitation (docs/architecture.md lock order).
    const { access } = await companies.lockForChange(deps, trx, tenant, who, "members:invite");
    const invitation = await repo.lockInvitation(trx, tenant.companyId, id);
    if (!invitation) throw invitationErrors.notFound();
    if (invitation.status !== "pending") throw invitationErrors.notResendable(invitation.status);
    assertMayInviteAs(access, invitation.role);
    const patch = {
      token_hash: identity.hashToken(token),
      expires_at: new Date(now.getTime() + INVITATION_TTL_DAYS * DAY_MS).toISOString(),
      invited_by: resender.userId,
      invited_by_api_key: resender.apiKeyId,
    };
    if (!(await repo.renewInvitation(trx, tenant.companyId, id, patch))) {
      throw invitationErrors.notResendable(invitation.status);
    }
    await recordCompanyChange(
      trx,
      deps.clock,
      who,
      { companyId: tenant.companyId, action: "invitation.resent", target: { type: "invitation", id } },
      // Like invitation.created: the role and the dates, never the invitee's address.
      { role: invitation.role, previousExpiresAt: invitation.expires_at, expiresAt: patch.expires_at },
    );
    const row: InvitationsTable = { ...invitation, ...patch };
    return row;
  });
  // After commit, as on sending: a mail never carries a token that was rolled back.
  await mailInvitation(deps, company.name, renewed, token);
  return toInvitation(renewed);
}
