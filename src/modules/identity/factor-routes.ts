import { Type } from "@sinclair/typebox";
import { requireUser } from "../../platform/access/access.ts";
import { problemResponses } from "../../platform/openapi/problem-responses.ts";
import { schemaRef } from "../../platform/openapi/schema-ref.ts";
import * as factorSchemas from "./factor-schemas.ts";
import { confirmTotp, enrolTotp, listFactors, removeFactor } from "./factors.ts";
import { regenerateRecoveryCodes } from "./recovery-codes.ts";
import { bearer, contextOf, type IdentityApp, type IdentityRouteOptions, noContent } from "./route-support.ts";

/** The signed-in user's second factors and recovery codes (factors.ts). */
export function registerFactorRoutes(app: IdentityApp, { deps }: IdentityRouteOptions): void {
  const userRoute = { access: "user", rateLimit: { tier: "user" } } as const;
  const bodyLimit = deps.config.AUTH_BODY_LIMIT;

  app.get(
    "/auth/factors",
    {
      config: userRoute,
      schema: {
        operationId: "listFactors",
        tags: ["auth"],
        summary: "List the signed-in user's second factors and how many recovery codes are left",
        security: bearer,
        response: { 200: Type.Ref("FactorList"), ...problemResponses(401) },
      },
    },
    async (request) => listFactors(deps, requireUser(request)),
  );

  app.post(
    "/auth/factors/totp",
    {
      bodyLimit,
      config: userRoute,
      schema: {
        operationId: "enrolTotp",
        tags: ["auth"],
        summary: "Start enrolling an authenticator app: returns its otpauth:// URI and a QR code (SVG)",
        description:
          "The factor counts only once confirmed with a current code (POST /auth/factors/totp/{id}/confirm).",
        security: bearer,
        body: schemaRef(factorSchemas.EnrolTotpBody),
        response: { 201: Type.Ref("TotpEnrolment"), ...problemResponses(401, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(await enrolTotp(deps, requireUser(request), request.body)),
  );

  app.post(
    "/auth/factors/totp/:id/confirm",
    {
      bodyLimit,
      // Step-up: a confirmed factor ends the account's other factor-less sessions and gates
      // every later sign-in, so a stolen (old) session must not be able to add its own.
      config: { ...userRoute, stepUp: true },
      schema: {
        operationId: "confirmTotp",
        tags: ["auth"],
        summary: "Confirm an authenticator app with a current code; the first factor also returns recovery codes",
        security: bearer,
        params: factorSchemas.FactorParams,
        body: schemaRef(factorSchemas.ConfirmTotpBody),
        response: { 200: Type.Ref("ConfirmedFactor"), ...problemResponses(401, 404, 409) },
      },
    },
    async (request) =>
      confirmTotp(deps, requireUser(request), request.params.id, request.body.code, contextOf(request)),
  );

  app.delete(
    "/auth/factors/:id",
    {
      bodyLimit,
      config: { ...userRoute, stepUp: true },
      schema: {
        operationId: "removeFactor",
        tags: ["auth"],
        summary: "Remove a second factor (needs the password and a current factor)",
        security: bearer,
        params: factorSchemas.FactorParams,
        body: schemaRef(factorSchemas.RemoveFactorBody),
        response: { 204: noContent, ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await removeFactor(deps, requireUser(request), request.params.id, request.body, contextOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/auth/recovery-codes",
    {
      config: { ...userRoute, stepUp: true },
      schema: {
        operationId: "regenerateRecoveryCodes",
        tags: ["auth"],
        summary: "Make a new set of ten recovery codes (shown once); the previous set stops working",
        security: bearer,
        response: { 200: Type.Ref("RecoveryCodes"), ...problemResponses(401, 409) },
      },
    },
    async (request) => ({ codes: await regenerateRecoveryCodes(deps, requireUser(request), contextOf(request)) }),
  );
}
