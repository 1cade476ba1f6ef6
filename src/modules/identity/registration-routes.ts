import { Type } from "@sinclair/typebox";
import { problemResponses } from "../../platform/openapi/problem-responses.ts";
import { schemaRef } from "../../platform/openapi/schema-ref.ts";
import { resendVerification, verifyEmail } from "./email-verification.ts";
import { register } from "./registration.ts";
import { authRoute, contextOf, type IdentityApp, type IdentityRouteOptions, perAccountRoute } from "./route-support.ts";
import * as schemas from "./schemas.ts";

/** Registration and the address verification it mails (registration.ts, email-verification.ts). */
export function registerRegistrationRoutes(app: IdentityApp, { deps }: IdentityRouteOptions): void {
  app.post(
    "/auth/register",
    {
      ...authRoute(deps),
      // The signup flag closes registrations (403 feature.disabled) without a deploy.
      config: { ...authRoute(deps).config, feature: "signup" },
      schema: {
        operationId: "register",
        tags: ["auth"],
        summary: "Create an account; the same answer whether or not the address is already registered",
        security: [],
        body: schemaRef(schemas.RegisterBody),
        response: { 201: Type.Ref("RegisterResponse"), ...problemResponses(403) },
      },
    },
    async (request, reply) => {
      const { email } = await register(deps, request.body, contextOf(request));
      return reply.code(201).send({ email, status: "verification_sent" as const });
    },
  );

  app.post(
    "/auth/verify-email",
    {
      ...authRoute(deps),
      schema: {
        operationId: "verifyEmail",
        tags: ["auth"],
        summary: "Confirm an email address with the token from the verification mail",
        security: [],
        body: schemaRef(schemas.TokenBody),
        response: { 200: Type.Ref("User") },
      },
    },
    async (request) => verifyEmail(deps, request.body.token),
  );

  app.post(
    "/auth/resend-verification",
    {
      ...perAccountRoute(deps, "verify-mail"),
      schema: {
        operationId: "resendVerification",
        tags: ["auth"],
        summary: "Send the verification mail again (always 202)",
        security: [],
        body: schemaRef(schemas.EmailBody),
        response: { 202: Type.Ref("Accepted") },
      },
    },
    async (request, reply) => {
      await resendVerification(deps, request.body.email);
      return reply.code(202).send({ status: "accepted" as const });
    },
  );
}
