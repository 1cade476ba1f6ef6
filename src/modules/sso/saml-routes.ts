import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { BadRequestError } from "../../platform/errors/app-error.ts";
import { problemResponses } from "../../platform/openapi/problem-responses.ts";
import { requestContextOf } from "../identity/index.ts";
import { deliverSsoTokens } from "./auth-routes.ts";
import { browserBindingOf } from "./browser-binding.ts";
import { samlAcs, samlMetadataOf } from "./saml-sign-in.ts";
import type { SsoDeps } from "./service.ts";

// The public endpoints of a SAML connection: the SP metadata an owner gives the IdP, and the
// Assertion Consumer Service the IdP's browser form posts to (HTTP-POST binding).

/** A SAMLResponse is refused above 256 KiB of base64 (saml/sign-in.ts); percent-encoding can triple it. */
const ACS_BODY_LIMIT = 1024 * 1024;
const FORM = "application/x-www-form-urlencoded";

const SamlParams = Type.Object({
  connectionId: Type.String({ format: "uuid", description: "The SAML connection's id" }),
});
const AcsBody = Type.Object(
  {
    SAMLResponse: Type.String({ minLength: 1, maxLength: ACS_BODY_LIMIT, description: "The IdP's base64 response" }),
    RelayState: Type.Optional(
      Type.String({ maxLength: 1024, description: "Echoed by the IdP; Rampart decides nothing by it" }),
    ),
  },
  { additionalProperties: false },
);

/**
 * A form body as a flat object, for this route only (Rampart reads JSON everywhere else).
 * A field given twice is refused: which SAMLResponse counts must never be a parser's whim.
 */
function parseForm(body: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    if (Object.hasOwn(fields, name)) {
      throw new BadRequestError("request.invalid", `The form field ${name.slice(0, 64)} is given more than once.`);
    }
    fields[name] = value;
  }
  return fields;
}

export const samlRoutes: FastifyPluginAsyncTypebox<{ deps: SsoDeps }> = async (app, { deps }) => {
  const tags = ["sso"];
  // Encapsulated in this plugin: no other route accepts a form body.
  app.addContentTypeParser(FORM, { parseAs: "string", bodyLimit: ACS_BODY_LIMIT }, (_request, body, done) => {
    try {
      // parseAs: "string" hands a string; String() narrows the parser's declared string | Buffer.
      done(null, parseForm(String(body)));
    } catch (error) {
      done(error instanceof Error ? error : new Error(String(error)), undefined);
    }
  });

  app.get(
    "/auth/sso/saml/:connectionId/metadata",
    {
      config: { access: "public", rateLimit: { tier: "auth" } },
      schema: {
        operationId: "ssoSamlMetadata",
        tags,
        summary: "The connection's SAML service-provider metadata (give it to the identity provider)",
        description:
          "Entity id, Assertion Consumer Service URL (HTTP-POST) and the NameID format asked for, as application/samlmetadata+xml. Served for a disabled connection too (the IdP is configured before the connection is enabled).",
        security: [],
        params: SamlParams,
        response: {
          200: {
            description: "SAML 2.0 EntityDescriptor (SPSSODescriptor)",
            content: { "application/samlmetadata+xml": { schema: { type: "string" } } },
          },
          ...problemResponses(404),
        },
      },
    },
    async (request, reply) => {
      const xml = await samlMetadataOf(deps, request.params.connectionId);
      return reply.header("content-type", "application/samlmetadata+xml; charset=utf-8").send(xml);
    },
  );

  app.post(
    "/auth/sso/saml/:connectionId/acs",
    {
      bodyLimit: ACS_BODY_LIMIT,
      config: { access: "public", rateLimit: { tier: "auth" } },
      schema: {
        operationId: "ssoSamlAcs",
        tags,
        summary: "The connection's Assertion Consumer Service: where the identity provider posts its SAML response",
        description:
          "Checks the signed response for this connection (signature, issuer, audience, recipient, validity, InResponseTo, replay: 401 saml.* problems), signs the person in (just-in-time account and membership, mapped role) and sets the refresh cookie: 303 to SSO_SIGNED_IN_URL, or 200 with the access token when the client accepts application/json. A test-connection flow answers the mapping report instead (nothing created).",
        security: [],
        consumes: [FORM],
        params: SamlParams,
        body: AcsBody,
        response: {
          200: Type.Union([Type.Ref("SsoTokenResponse"), Type.Ref("SsoMappingReport")]),
          303: Type.Null({ description: "Signed in: on to SSO_SIGNED_IN_URL with the refresh cookie" }),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const outcome = await samlAcs(
        deps,
        request.params.connectionId,
        request.body.SAMLResponse,
        requestContextOf(request),
        browserBindingOf(request),
      );
      if (outcome.kind === "test") return reply.header("cache-control", "no-store").send(outcome.report);
      return deliverSsoTokens(deps, request, reply, outcome.result);
    },
  );
};
