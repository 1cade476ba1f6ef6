import { isIP } from "node:net";
import type { TenantAccess, UserActor } from "../../platform/access/actor.ts";
import type { Clock } from "../../platform/clock.ts";
import type { SecretSealer } from "../../platform/crypto/secret-sealer.ts";
import type { DatabaseHandle } from "../../platform/db/connect.ts";
import { isUuid, newId } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import { type Page, type PageQuery, pageRequest, toPage } from "../../platform/http/pagination.ts";
import type { Logger } from "../../platform/logging/logger.ts";
import { type AuditActor, recordAuditEvent } from "../audit/index.ts";
import { type KeyLiveness, lockForChange } from "../companies/index.ts";
import { webhookErrors } from "./errors.ts";
import * as repo from "./repository.ts";
import { newWebhookSecret } from "./signature.ts";
import { checkUrlForm, hostOf, isBlockedAddress, type Resolver, TargetRefused } from "./ssrf.ts";
import type { WebhookEndpointsTable } from "./tables.ts";
import { toDelivery, toEndpoint, type WebhookDelivery, type WebhookEndpoint } from "./view.ts";

export interface WebhookSettings {
  readonly allowPrivate: boolean;
  readonly timeoutMs: number;
  readonly retryBaseMs: number;
  readonly retryMaxDelayMs: number;
  readonly retryWindowMs: number;
  readonly disableAfterFailures: number;
  readonly secretOverlapMs: number;
  readonly pollMs: number;
  readonly leaseMs: number;
}

export interface WebhooksDeps {
  readonly database: DatabaseHandle;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly keyIsLive?: KeyLiveness;
  readonly settings: WebhookSettings;
  readonly sealer: SecretSealer;
  readonly resolve: Resolver;
  /** Whether the endpoint's creator may still manage the company's webhooks (creator-rights.ts). */
  readonly creatorMayReceive: (companyId: string, createdBy: string | null) => Promise<boolean>;
}

export interface EndpointInput {
  url?: string;
  description?: string;
  eventTypes?: string[];
  enabled?: boolean;
}

function checkedUrl(deps: WebhooksDeps, raw: string): string {
  try {
    const url = checkUrlForm(raw);
    const host = hostOf(url);
    if (!deps.settings.allowPrivate && (isIP(host) !== 0 ? isBlockedAddress(host) : host === "localhost")) {
      throw new TargetRefused("the host is not a public address");
    }
    return url.toString();
  } catch (error) {
    if (error instanceof TargetRefused) throw webhookErrors.invalidUrl(error.message);
    throw error;
  }
}

const uniqueTypes = (types: readonly string[]) => [...new Set(types)].sort();

export async function createEndpoint(
  deps: WebhooksDeps,
  tenant: TenantAccess,
  actor: UserActor,
  input: Required<Pick<EndpointInput, "url" | "eventTypes">> & { description?: string },
  who: AuditActor,
): Promise<WebhookEndpoint & { secret: string }> {
  const url = checkedUrl(deps, input.url);
  const secret = newWebhookSecret();
  const now = deps.clock.now().toISOString();
  const row: WebhookEndpointsTable = {
    id: newId(),
    company_id: tenant.companyId,
    url,
    description: input.description?.trim() ?? "",
    event_types: JSON.stringify(uniqueTypes(input.eventTypes)),
    status: "enabled",
    disabled_reason: null,
    secret_sealed: deps.sealer.seal(secret),
    previous_secret_sealed: null,
    previous_secret_until: null,
    consecutive_failures: 0,
    created_by: actor.userId,
    created_at: now,
    updated_at: now,
  };
  await inLockedTransaction(deps.database.db, async (trx) => {
    await lockForChange(deps, trx, tenant, who, "webhooks:manage");
    await repo.insertEndpoint(trx, row);
    await recordAuditEvent(trx, deps.clock, {
      ...who,
      action: "webhook_endpoint.created",
      companyId: tenant.companyId,
      targetType: "webhook_endpoint",
      targetId: row.id,
      metadata: { url, eventTypes: uniqueTypes(input.eventTypes) },
    });
  });
  return { ...toEndpoint(row, deps.clock.now()), secret };
}

export async function listEndpoints(
  deps: WebhooksDeps,
  tenant: TenantAccess,
  query: PageQuery,
): Promise<Page<WebhookEndpoint>> {
  const page = pageRequest(query, isUuid);
  const rows = await repo.pageOfEndpoints(deps.database.db, tenant.companyId, page);
  const now = deps.clock.now();
  return toPage(
    rows,
    page,
    (row) => row.id,
    (row) => toEndpoint(row, now),
  );
}

export async function getEndpoint(deps: WebhooksDeps, tenant: TenantAccess, id: string): Promise<WebhookEndpoint> {
  const row = isUuid(id) ? await repo.findEndpoint(deps.database.db, tenant.companyId, id) : undefined;
  if (!row) throw webhookErrors.notFound();
  return toEndpoint(row, deps.clock.now());
}

export async function updateEndpoint(
  deps: WebhooksDeps,
  tenant: TenantAccess,
  id: string,
  input: EndpointInput,
  who: AuditActor,
): Promise<WebhookEndpoint> {
  if (!isUuid(id)) throw webhookErrors.notFound();
  const changes: Partial<WebhookEndpointsTable> = { updated_at: deps.clock.now().toISOString() };
  if (input.url !== undefined) changes.url = checkedUrl(deps, input.url);
  if (input.description !== undefined) changes.description = input.description.trim();
  if (input.eventTypes !== undefined) changes.event_types = JSON.stringify(uniqueTypes(input.eventTypes));
  if (input.enabled === true)
    Object.assign(changes, { status: "enabled", disabled_reason: null, consecutive_failures: 0 });
  if (input.enabled === false) Object.assign(changes, { status: "disabled", disabled_reason: "disabled by a user" });
  const row = await inLockedTransaction(deps.database.db, async (trx) => {
    await lockForChange(deps, trx, tenant, who, "webhooks:manage");
    const updated = await repo.updateEndpoint(trx, tenant.companyId, id, changes);
    if (!updated) throw webhookErrors.notFound();
    await recordAuditEvent(trx, deps.clock, {
      ...who,
      action: "webhook_endpoint.updated",
      companyId: tenant.companyId,
      targetType: "webhook_endpoint",
      targetId: id,
      metadata: {
        ...(input.url === undefined ? {} : { url: changes.url }),
        ...(input.eventTypes === undefined ? {} : { eventTypes: uniqueTypes(input.eventTypes) }),
        ...(input.enabled === undefined ? {} : { enabled: input.enabled }),
      },
    });
    return updated;
  });
  return toEndpoint(row, deps.clock.now());
}

export async function deleteEndpoint(deps: WebhooksDeps, tenant: TenantAccess, id: string, who: AuditActor) {
  await inLockedTransaction(deps.database.db, async (trx) => {
    await lockForChange(deps, trx, tenant, who, "webhooks:manage");
    if (!isUuid(id) || !(await repo.deleteEndpoint(trx, tenant.companyId, id))) throw webhookErrors.notFound();
    await recordAuditEvent(trx, deps.clock, {
      ...who,
      action: "webhook_endpoint.deleted",
      companyId: tenant.companyId,
      targetType: "webhook_endpoint",
      targetId: id,
    });
  });
}

/** A new secret, shown once; the previous one keeps signing beside it for WEBHOOKS_SECRET_OVERLAP_MS. */
export async function rotateSecret(
  deps: WebhooksDeps,
  tenant: TenantAccess,
  id: string,
  who: AuditActor,
): Promise<WebhookEndpoint & { secret: string }> {
  if (!isUuid(id)) throw webhookErrors.notFound();
  const secret = newWebhookSecret();
  const now = deps.clock.now();
  const until = new Date(now.getTime() + deps.settings.secretOverlapMs).toISOString();
  const row = await inLockedTransaction(deps.database.db, async (trx) => {
    await lockForChange(deps, trx, tenant, who, "webhooks:manage");
    const current = await repo.findEndpoint(trx, tenant.companyId, id);
    if (!current) throw webhookErrors.notFound();
    const updated = await repo.updateEndpoint(trx, tenant.companyId, id, {
      secret_sealed: deps.sealer.seal(secret),
      previous_secret_sealed: current.secret_sealed,
      previous_secret_until: until,
      updated_at: now.toISOString(),
    });
    if (!updated) throw webhookErrors.notFound();
    await recordAuditEvent(trx, deps.clock, {
      ...who,
      action: "webhook_endpoint.secret_rotated",
      companyId: tenant.companyId,
      targetType: "webhook_endpoint",
      targetId: id,
      metadata: { previousSecretExpiresAt: until },
    });
    return updated;
  });
  return { ...toEndpoint(row, now), secret };
}

export async function listDeliveries(
  deps: WebhooksDeps,
  tenant: TenantAccess,
  endpointId: string,
  query: PageQuery,
): Promise<Page<WebhookDelivery>> {
  await getEndpoint(deps, tenant, endpointId);
  const page = pageRequest(query, isUuid);
  const rows = await repo.pageOfDeliveries(deps.database.db, tenant.companyId, endpointId, page);
  return toPage(rows, page, (row) => row.id, toDelivery);
}

export async function redeliver(
  deps: WebhooksDeps,
  tenant: TenantAccess,
  endpointId: string,
  deliveryId: string,
  who: AuditActor,
): Promise<WebhookDelivery> {
  if (!isUuid(endpointId) || !isUuid(deliveryId)) throw webhookErrors.deliveryNotFound();
  const db = deps.database.db;
  await inLockedTransaction(db, async (trx) => {
    await lockForChange(deps, trx, tenant, who, "webhooks:manage");
    const delivery = await repo.findDelivery(trx, tenant.companyId, endpointId, deliveryId);
    if (!delivery) throw webhookErrors.deliveryNotFound();
    await repo.restartDelivery(trx, deliveryId, deps.clock.now().toISOString());
  });
  const row = await repo.findDelivery(db, tenant.companyId, endpointId, deliveryId);
  if (!row) throw webhookErrors.deliveryNotFound();
  return toDelivery(row);
}
