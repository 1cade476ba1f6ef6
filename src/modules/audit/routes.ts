import { Readable } from "node:stream";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Static } from "@sinclair/typebox";
import type { FastifyReply } from "fastify";
import { requireTenant } from "../../platform/access/access.ts";
import type { Executor } from "../../platform/db/transaction.ts";
import { toInstant } from "../../platform/http/date-time.ts";
import { problemResponses } from "../../platform/openapi/problem-responses.ts";
import { EXPORT_CONTENT_TYPES, type ExportFormat, formatExport } from "./export-format.ts";
import type { AuditFilter } from "./repository.ts";
import * as schemas from "./schemas.ts";
import { exportAuditEvents, listAuditEvents } from "./service.ts";

export interface AuditRouteOptions {
  readonly db: Executor;
}

type Filters = Static<typeof schemas.AdminExportQuery>;

function filterOf(query: Omit<Filters, "format" | "companyId">, companyId: string | null | undefined): AuditFilter {
  return {
    companyId,
    action: query.action,
    actorType: query.actorType,
    actorId: query.actorId,
    from: query.from === undefined ? undefined : toInstant(query.from),
    to: query.to === undefined ? undefined : toInstant(query.to),
  };
}

/** `platform` names the platform stream; any other value is a company id. */
function adminCompany(companyId: string | undefined): string | null | undefined {
  return companyId === "platform" ? null : companyId?.toLowerCase();
}

const exportResponse = {
  description: "Every matching event, oldest first, streamed",
  content: {
    [EXPORT_CONTENT_TYPES.ndjson]: { schema: { type: "string", description: "One AuditEvent JSON object per line" } },
    [EXPORT_CONTENT_TYPES.csv]: { schema: { type: "string", description: "A header row, then one row per event" } },
  },
};

/** Streams rows as the client reads them (Readable.from pulls the generator only on demand). */
function sendExport(reply: FastifyReply, db: Executor, filter: AuditFilter, format: ExportFormat) {
  reply.header("content-type", EXPORT_CONTENT_TYPES[format]);
  reply.header("content-disposition", `attachment; filename="audit-events.${format}"`);
  reply.header("cache-control", "no-store");
  return reply.send(Readable.from(formatExport(exportAuditEvents(db, filter), format)));
}

export const auditRoutes: FastifyPluginAsyncTypebox<AuditRouteOptions> = async (app, { db }) => {
  for (const schema of schemas.auditSchemas) app.addSchema(schema);
  const admin = { access: "platform_admin", rateLimit: { tier: "admin" } } as const;
  const company = { access: { permission: "audit:read" } } as const;

  app.get(
    "/companies/:companyId/audit-events",
    {
      config: company,
      schema: {
        operationId: "listCompanyAuditEvents",
        tags: ["audit"],
        summary: "The company's audit events, newest first",
        params: schemas.CompanyParams,
        querystring: schemas.ListQuery,
        response: { 200: schemas.AuditEventPageRef, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { cursor, limit, ...filters } = request.query;
      return listAuditEvents(db, filterOf(filters, requireTenant(request).companyId), { cursor, limit });
    },
  );

  app.get(
    "/companies/:companyId/audit-events/export",
    {
      config: company,
      schema: {
        operationId: "exportCompanyAuditEvents",
        tags: ["audit"],
        summary: "Stream the company's audit events as NDJSON or CSV",
        params: schemas.CompanyParams,
        querystring: schemas.ExportQuery,
        response: { 200: exportResponse, ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { format, ...filters } = request.query;
      return sendExport(reply, db, filterOf(filters, requireTenant(request).companyId), format);
    },
  );

  app.get(
    "/admin/audit-events",
    {
      config: admin,
      schema: {
        operationId: "listAuditEvents",
        tags: ["audit"],
        summary: "Audit events of every stream (or one company, or the platform), newest first",
        querystring: schemas.AdminListQuery,
        response: { 200: schemas.AuditEventPageRef, ...problemResponses(401, 403) },
      },
    },
    async (request) => {
      const { cursor, limit, companyId, ...filters } = request.query;
      return listAuditEvents(db, filterOf(filters, adminCompany(companyId)), { cursor, limit });
    },
  );

  app.get(
    "/admin/audit-events/export",
    {
      config: admin,
      schema: {
        operationId: "exportAuditEvents",
        tags: ["audit"],
        summary: "Stream audit events of every stream (or one company, or the platform) as NDJSON or CSV",
        querystring: schemas.AdminExportQuery,
        response: { 200: exportResponse, ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const { format, companyId, ...filters } = request.query;
      return sendExport(reply, db, filterOf(filters, adminCompany(companyId)), format);
    },
  );
};
