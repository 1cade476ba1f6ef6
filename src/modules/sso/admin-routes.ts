import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { requireTenant } from "../../platform/access/access.ts";
import { PageQuerySchema } from "../../platform/http/pagination.ts";
import { problemResponses } from "../../platform/openapi/problem-responses.ts";
import { schemaRef } from "../../platform/openapi/schema-ref.ts";
import { auditActorOf } from "../audit/index.ts";
import { CompanyParams } from "../companies/index.ts";
import { bindBrowser } from "./browser-binding.ts";
import * as connections from "./connections.ts";
import * as domains from "./domains.ts";
import { ssoErrors } from "./errors.ts";
import { listBreakGlass, setBreakGlass } from "./policy.ts";
import * as repo from "./repository.ts";
import * as schemas from "./schemas.ts";
import type { SsoDeps } from "./service.ts";
import { type SamlStarter, startWithConnection } from "./sign-in-start.ts";

export type SsoAdminApp = Parameters<FastifyPluginAsyncTypebox>[0];

const noContent = Type.Null({ description: "No content" });

/** A company's connections, domains and SSO policy (sso:read, sso:manage; the policy: company:security). */
export function registerSsoAdminRoutes(app: SsoAdminApp, deps: SsoDeps & { readonly saml?: SamlStarter }): void {
  const tags = ["sso"];
  const read = { access: { permission: "sso:read" as const } };
  const manage = { access: { permission: "sso:manage" as const } };
  const security = { access: { permission: "company:security" as const } };
  // The creator, when a person creates the connection (an API key cannot: sso:manage is no key scope).
  const actorOf = (request: FastifyRequest) => (request.actor?.kind === "user" ? request.actor : undefined);

  app.post(
    "/companies/:companyId/sso/connections",
    {
      config: manage,
      schema: {
        operationId: "createSsoConnection",
        tags,
        summary: "Connect an identity provider (OIDC or SAML); its secret is stored sealed and never returned",
        params: CompanyParams,
        body: schemaRef(schemas.CreateSsoConnectionBody),
        response: { 201: Type.Ref("SsoConnection") },
      },
    },
    async (request, reply) => {
      const created = await connections.createConnection(
        deps,
        requireTenant(request),
        actorOf(request),
        request.body,
        auditActorOf(request),
      );
      return reply.code(201).send(created);
    },
  );

  app.get(
    "/companies/:companyId/sso/connections",
    {
      config: read,
      schema: {
        operationId: "listSsoConnections",
        tags,
        summary: "The company's SSO connections (secrets as hints only)",
        params: CompanyParams,
        querystring: PageQuerySchema,
        response: { 200: Type.Ref("SsoConnectionPage") },
      },
    },
    async (request) => connections.listConnections(deps, requireTenant(request), request.query),
  );

  app.get(
    "/companies/:companyId/sso/connections/:connectionId",
    {
      config: read,
      schema: {
        operationId: "getSsoConnection",
        tags,
        summary: "One SSO connection",
        params: schemas.ConnectionParams,
        response: { 200: Type.Ref("SsoConnection") },
      },
    },
    async (request) => connections.getConnection(deps, requireTenant(request), request.params.connectionId),
  );

  app.patch(
    "/companies/:companyId/sso/connections/:connectionId",
    {
      config: manage,
      schema: {
        operationId: "updateSsoConnection",
        tags,
        summary: "Change a connection's settings, mapping or maximum session age",
        params: schemas.ConnectionParams,
        body: schemaRef(schemas.UpdateSsoConnectionBody),
        response: { 200: Type.Ref("SsoConnection") },
      },
    },
    async (request) =>
      connections.updateConnection(
        deps,
        requireTenant(request),
        request.params.connectionId,
        request.body,
        auditActorOf(request),
      ),
  );

  for (const enabled of [true, false]) {
    app.post(
      `/companies/:companyId/sso/connections/:connectionId/${enabled ? "enable" : "disable"}`,
      {
        config: manage,
        schema: {
          operationId: enabled ? "enableSsoConnection" : "disableSsoConnection",
          tags,
          summary: enabled
            ? "Enable a connection: its IdP signs people in again"
            : "Disable a connection: sign-ins through it are refused",
          params: schemas.ConnectionParams,
          response: { 200: Type.Ref("SsoConnection") },
        },
      },
      async (request) =>
        connections.updateConnection(
          deps,
          requireTenant(request),
          request.params.connectionId,
          { enabled },
          auditActorOf(request),
        ),
    );
  }

  app.delete(
    "/companies/:companyId/sso/connections/:connectionId",
    {
      config: manage,
      schema: {
        operationId: "deleteSsoConnection",
        tags,
        summary: "Remove a connection",
        params: schemas.ConnectionParams,
        response: { 204: noContent },
      },
    },
    async (request, reply) => {
      await connections.deleteConnection(
        deps,
        requireTenant(request),
        request.params.connectionId,
        auditActorOf(request),
      );
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/companies/:companyId/sso/connections/:connectionId/test",
    {
      config: manage,
      schema: {
        operationId: "testSsoConnection",
        tags,
        summary: "Start a dry-run sign-in: the callback reports what would be mapped and creates nothing",
        description:
          "Sets the rampart_sso cookie that binds the dry run to this browser: open testUrl in the same browser.",
        params: schemas.ConnectionParams,
        response: { 200: Type.Ref("SsoTestStart"), ...problemResponses(409) },
      },
    },
    async (request, reply) => {
      const tenant = requireTenant(request);
      const row = await repo.findConnection(deps.database.db, tenant.companyId, request.params.connectionId);
      if (!row) throw ssoErrors.connectionNotFound();
      // The dry run completes only in the owner's browser that asked for it (browser-binding.ts).
      const testUrl = await startWithConnection(deps, row, "test", bindBrowser(deps, request, reply));
      if (!testUrl) throw ssoErrors.protocolNotSupported();
      return { testUrl };
    },
  );

  app.post(
    "/companies/:companyId/sso/domains",
    {
      config: manage,
      schema: {
        operationId: "claimSsoDomain",
        tags,
        summary: "Claim a domain: publish the returned TXT record, then verify",
        params: CompanyParams,
        body: schemaRef(schemas.ClaimDomainBody),
        response: { 201: Type.Ref("SsoDomain"), ...problemResponses(409) },
      },
    },
    async (request, reply) => {
      const domain = await domains.claimDomain(
        deps,
        requireTenant(request),
        request.body.domain,
        auditActorOf(request),
      );
      return reply.code(201).send(domain);
    },
  );

  app.get(
    "/companies/:companyId/sso/domains",
    {
      config: read,
      schema: {
        operationId: "listSsoDomains",
        tags,
        summary: "The company's domains and their verification",
        params: CompanyParams,
        response: { 200: Type.Ref("SsoDomainList") },
      },
    },
    async (request) => domains.listDomains(deps, requireTenant(request)),
  );

  app.get(
    "/companies/:companyId/sso/domains/:domainId",
    {
      config: read,
      schema: {
        operationId: "getSsoDomain",
        tags,
        summary: "One domain",
        params: schemas.DomainParams,
        response: { 200: Type.Ref("SsoDomain") },
      },
    },
    async (request) => domains.getDomain(deps, requireTenant(request), request.params.domainId),
  );

  app.post(
    "/companies/:companyId/sso/domains/:domainId/verify",
    {
      config: manage,
      schema: {
        operationId: "verifySsoDomain",
        tags,
        summary: "Look up the domain's TXT record now; found: the domain is verified for this company",
        params: schemas.DomainParams,
        response: { 200: Type.Ref("SsoDomain"), ...problemResponses(409) },
      },
    },
    async (request) =>
      domains.verifyDomain(deps, requireTenant(request), request.params.domainId, auditActorOf(request)),
  );

  app.delete(
    "/companies/:companyId/sso/domains/:domainId",
    {
      config: manage,
      schema: {
        operationId: "removeSsoDomain",
        tags,
        summary: "Give a domain up",
        params: schemas.DomainParams,
        response: { 204: noContent },
      },
    },
    async (request, reply) => {
      await domains.removeDomain(deps, requireTenant(request), request.params.domainId, auditActorOf(request));
      return reply.code(204).send(null);
    },
  );

  app.put(
    "/companies/:companyId/sso/domains/:domainId/policy",
    {
      config: security,
      schema: {
        operationId: "setSsoDomainPolicy",
        tags,
        summary: "Require SSO for a verified domain's addresses (password and passkey sign-in refused), or stop",
        params: schemas.DomainParams,
        body: schemaRef(schemas.SsoPolicyBody),
        response: { 200: Type.Ref("SsoDomain"), ...problemResponses(409) },
      },
    },
    async (request) =>
      domains.setSsoRequired(
        deps,
        requireTenant(request),
        request.params.domainId,
        request.body.ssoRequired,
        auditActorOf(request),
      ),
  );

  app.get(
    "/companies/:companyId/sso/break-glass",
    {
      config: security,
      schema: {
        operationId: "listSsoBreakGlass",
        tags,
        summary: "Members who may still sign in without SSO where it is required",
        params: CompanyParams,
        response: { 200: Type.Ref("SsoBreakGlassList") },
      },
    },
    async (request) => listBreakGlass(deps, requireTenant(request)),
  );

  app.put(
    "/companies/:companyId/sso/break-glass",
    {
      config: security,
      schema: {
        operationId: "setSsoBreakGlass",
        tags,
        summary: "Name the break-glass members (replaces the list)",
        params: CompanyParams,
        body: schemaRef(schemas.BreakGlassBody),
        response: { 200: Type.Ref("SsoBreakGlassList") },
      },
    },
    async (request) => setBreakGlass(deps, requireTenant(request), request.body.userIds, auditActorOf(request)),
  );
}
