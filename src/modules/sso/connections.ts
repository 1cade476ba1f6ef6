import type { Static } from "@sinclair/typebox";
import type { TenantAccess, UserActor } from "../../platform/access/actor.ts";
import { isUuid, newId } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import { type Page, type PageQuery, pageRequest, toPage } from "../../platform/http/pagination.ts";
import { type AuditActor, recordCompanyChange } from "../audit/index.ts";
import { lockForChange } from "../companies/index.ts";
import { forgetSsoSessions, revokeSsoConnectionSessions } from "../identity/index.ts";
import { ssoErrors } from "./errors.ts";
import { forgetDiscovery } from "./oidc-client.ts";
import * as repo from "./repository.ts";
import { NAME_ID, samlInputColumns, samlSettingsOf, samlUrls } from "./saml-connection.ts";
import type * as schemas from "./schemas.ts";
import type { SsoDeps } from "./service.ts";
import type { SsoConnectionsTable } from "./tables.ts";
import { DEFAULT_SCOPES, type SsoConnectionView, secretHint, toConnection } from "./view.ts";

// A company's SSO connections: created, read, changed, enabled / disabled and removed by its
// owners and admins (sso:manage). Secrets go in, never out: a hint of the last characters.

type CreateInput = Static<typeof schemas.CreateSsoConnectionBody>;
type UpdateInput = Static<typeof schemas.UpdateSsoConnectionBody>;

export function view(deps: SsoDeps, row: SsoConnectionsTable): SsoConnectionView {
  let hint = "";
  if (row.oidc_client_secret_sealed) {
    try {
      hint = secretHint(deps.sealer.unseal(row.oidc_client_secret_sealed));
    } catch {
      hint = "(unreadable: sealed under a key no longer configured)";
    }
  }
  const urls = samlUrls(deps, row.id);
  const sp = { entityId: row.saml_sp_entity_id ?? urls.metadataUrl, ...urls };
  return toConnection(row, hint, deps.settings.callbackUrl, row.protocol === "saml" ? sp : undefined);
}

function checkedIssuer(deps: SsoDeps, raw: string, path: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw ssoErrors.invalid(path, "is not a URL");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && deps.settings.allowInsecureIssuers))
    throw ssoErrors.invalid(path, "must be an https:// URL");
  if (url.search || url.hash) throw ssoErrors.invalid(path, "must have no query or fragment");
  // The issuer is compared as a string with the `iss` of every token: keep it as given.
  return raw;
}

function scopesOf(scopes: readonly string[] | undefined): string {
  return JSON.stringify([...new Set(["openid", ...(scopes ?? DEFAULT_SCOPES)])]);
}

function mappingColumns(mapping: CreateInput["mapping"], base?: SsoConnectionsTable) {
  const roles = mapping?.roles ?? (base ? undefined : {});
  return {
    ...(mapping?.emailClaim !== undefined || !base ? { email_claim: mapping?.emailClaim ?? "email" } : {}),
    ...(mapping?.emailVerifiedClaim !== undefined || !base
      ? { email_verified_claim: mapping?.emailVerifiedClaim ?? "email_verified" }
      : {}),
    ...(mapping?.nameClaim !== undefined || !base ? { name_claim: mapping?.nameClaim ?? "name" } : {}),
    ...(mapping?.groupsClaim !== undefined || !base ? { groups_claim: mapping?.groupsClaim ?? "groups" } : {}),
    ...(roles !== undefined ? { role_mapping: JSON.stringify(roles) } : {}),
    ...(mapping?.defaultRole !== undefined || !base ? { default_role: mapping?.defaultRole ?? "member" } : {}),
  } satisfies Partial<SsoConnectionsTable>;
}

export async function createConnection(
  deps: SsoDeps,
  tenant: TenantAccess,
  actor: UserActor | undefined,
  input: CreateInput,
  who: AuditActor,
): Promise<SsoConnectionView> {
  const now = deps.clock.nowIso();
  const row: SsoConnectionsTable = {
    id: newId(),
    company_id: tenant.companyId,
    name: input.name.trim(),
    protocol: input.protocol,
    status: input.enabled === false ? "disabled" : "enabled",
    oidc_issuer: null,
    oidc_client_id: null,
    oidc_client_secret_sealed: null,
    oidc_scopes: null,
    saml_idp_entity_id: null,
    saml_idp_sso_url: null,
    saml_idp_certificates: null,
    saml_idp_metadata_xml: null,
    saml_sp_entity_id: null,
    saml_settings: null,
    email_claim: "email",
    email_verified_claim: "email_verified",
    name_claim: "name",
    groups_claim: "groups",
    role_mapping: "{}",
    default_role: "member",
    ...mappingColumns(input.mapping),
    session_max_age_s: input.sessionMaxAgeS ?? null,
    created_by: actor?.userId ?? null,
    created_at: now,
    updated_at: now,
  };
  if (input.protocol === "oidc") {
    if (!input.oidc) throw ssoErrors.invalid("/body/oidc", "is required for an oidc connection");
    if (input.saml) throw ssoErrors.invalid("/body/saml", "is only for a saml connection");
    row.oidc_issuer = checkedIssuer(deps, input.oidc.issuer, "/body/oidc/issuer");
    row.oidc_client_id = input.oidc.clientId;
    row.oidc_client_secret_sealed = deps.sealer.seal(input.oidc.clientSecret);
    row.oidc_scopes = scopesOf(input.oidc.scopes);
  } else {
    if (!input.saml) throw ssoErrors.invalid("/body/saml", "is required for a saml connection");
    if (input.oidc) throw ssoErrors.invalid("/body/oidc", "is only for an oidc connection");
    Object.assign(row, await samlInputColumns(deps, input.saml));
    // SAML's usual carrier of the address is the NameID (emailAddress format): the default.
    if (input.mapping?.emailClaim === undefined) row.email_claim = NAME_ID;
    // The whole connection must be usable by the SAML service provider (422 naming the field).
    samlSettingsOf(deps, row);
  }
  await inLockedTransaction(deps.database.db, async (trx) => {
    await lockForChange(deps, trx, tenant, who, "sso:manage");
    await repo.insertConnection(trx, row);
    await recordCompanyChange(
      trx,
      deps.clock,
      who,
      { companyId: tenant.companyId, action: "sso_connection.created", target: { type: "sso_connection", id: row.id } },
      { protocol: row.protocol, name: row.name, issuer: row.oidc_issuer },
    );
  });
  return view(deps, row);
}

export async function listConnections(
  deps: SsoDeps,
  tenant: TenantAccess,
  query: PageQuery,
): Promise<Page<SsoConnectionView>> {
  const page = pageRequest(query, isUuid);
  const rows = await repo.pageOfConnections(deps.database.db, tenant.companyId, page);
  return toPage(
    rows,
    page,
    (row) => row.id,
    (row) => view(deps, row),
  );
}

export async function getConnection(deps: SsoDeps, tenant: TenantAccess, id: string): Promise<SsoConnectionView> {
  const row = isUuid(id) ? await repo.findConnection(deps.database.db, tenant.companyId, id) : undefined;
  if (!row) throw ssoErrors.connectionNotFound();
  return view(deps, row);
}

export async function updateConnection(
  deps: SsoDeps,
  tenant: TenantAccess,
  id: string,
  input: UpdateInput,
  who: AuditActor,
): Promise<SsoConnectionView> {
  let revoked: string[] = [];
  // Fetched and parsed before the transaction: a metadata URL is an outbound request.
  const samlChanges = input.saml ? await samlInputColumns(deps, input.saml) : undefined;
  const row = await inLockedTransaction(deps.database.db, async (trx) => {
    await lockForChange(deps, trx, tenant, who, "sso:manage");
    const current = await repo.findConnection(trx, tenant.companyId, id);
    if (!current) throw ssoErrors.connectionNotFound();
    const changes: Partial<SsoConnectionsTable> = { updated_at: deps.clock.nowIso() };
    if (input.name !== undefined) changes.name = input.name.trim();
    if (input.enabled !== undefined) changes.status = input.enabled ? "enabled" : "disabled";
    if (input.sessionMaxAgeS !== undefined) changes.session_max_age_s = input.sessionMaxAgeS;
    Object.assign(changes, mappingColumns(input.mapping, current));
    if (input.oidc) {
      if (current.protocol !== "oidc") throw ssoErrors.invalid("/body/oidc", "is only for an oidc connection");
      if (input.oidc.issuer !== undefined)
        changes.oidc_issuer = checkedIssuer(deps, input.oidc.issuer, "/body/oidc/issuer");
      if (input.oidc.clientId !== undefined) changes.oidc_client_id = input.oidc.clientId;
      if (input.oidc.clientSecret !== undefined)
        changes.oidc_client_secret_sealed = deps.sealer.seal(input.oidc.clientSecret);
      if (input.oidc.scopes !== undefined) changes.oidc_scopes = scopesOf(input.oidc.scopes);
    }
    if (samlChanges) {
      if (current.protocol !== "saml") throw ssoErrors.invalid("/body/saml", "is only for a saml connection");
      Object.assign(changes, samlChanges);
    }
    if (current.protocol === "saml") samlSettingsOf(deps, { ...current, ...changes });
    const updated = await repo.updateConnection(trx, tenant.companyId, id, changes);
    if (!updated) throw ssoErrors.connectionNotFound();
    // Disabling a connection ends the sessions it started (a compromised IdP is switched off at once).
    revoked =
      current.status === "enabled" && updated.status === "disabled"
        ? await revokeSsoConnectionSessions(trx, id, "sso_connection_disabled", deps.clock.nowIso())
        : [];
    await recordCompanyChange(
      trx,
      deps.clock,
      who,
      { companyId: tenant.companyId, action: "sso_connection.updated", target: { type: "sso_connection", id } },
      // Which settings changed, never their values (a secret among them).
      { changed: Object.keys(input).sort(), enabled: updated.status === "enabled", sessionsRevoked: revoked.length },
    );
    return updated;
  });
  await forgetSsoSessions(deps.identity, revoked);
  forgetDiscovery(id);
  return view(deps, row);
}

export async function deleteConnection(deps: SsoDeps, tenant: TenantAccess, id: string, who: AuditActor) {
  const revoked = await inLockedTransaction(deps.database.db, async (trx) => {
    await lockForChange(deps, trx, tenant, who, "sso:manage");
    if (!(await repo.deleteConnection(trx, tenant.companyId, id))) throw ssoErrors.connectionNotFound();
    // The sessions it started end with it.
    const ended = await revokeSsoConnectionSessions(trx, id, "sso_connection_deleted", deps.clock.nowIso());
    await recordCompanyChange(
      trx,
      deps.clock,
      who,
      { companyId: tenant.companyId, action: "sso_connection.deleted", target: { type: "sso_connection", id } },
      { sessionsRevoked: ended.length },
    );
    return ended;
  });
  await forgetSsoSessions(deps.identity, revoked);
  forgetDiscovery(id);
}
