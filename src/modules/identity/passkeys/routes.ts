import { Type } from "@sinclair/typebox";
import { requireUser } from "../../../platform/access/access.ts";
import { problemResponses } from "../../../platform/openapi/problem-responses.ts";
import { schemaRef } from "../../../platform/openapi/schema-ref.ts";
import {
  authRoute,
  bearer,
  contextOf,
  type IdentityApp,
  type IdentityRouteOptions,
  noContent,
  tokenAnswer,
} from "../route-support.ts";
import { listOwnPasskeys, removeOwnPasskey, renameOwnPasskey } from "./management.ts";
import { passkeyRegistrationOptions, registerPasskey } from "./registration.ts";
import * as schemas from "./schemas.ts";
import { passkeySignInOptions, signInWithPasskey } from "./sign-in.ts";

/**
 * Passkeys: registering and managing them (signed in), and passwordless sign-in (public,
 * the auth tier like login). Each ceremony is options (a stored, single-use challenge) then
 * verify; see docs/frontend.md for the browser side.
 */
export function registerPasskeyRoutes(app: IdentityApp, { deps }: IdentityRouteOptions): void {
  for (const schema of schemas.passkeySchemas) app.addSchema(schema);
  const user = { config: { access: "user", rateLimit: { tier: "user" } } } as const;

  app.post(
    "/auth/passkeys/registration/options",
    {
      ...user,
      schema: {
        operationId: "passkeyRegistrationOptions",
        tags: ["auth"],
        summary: "Options (with a single-use challenge) for creating a passkey on the signed-in account",
        security: bearer,
        response: { 200: Type.Ref("PasskeyCreationOptions"), ...problemResponses(401) },
      },
    },
    async (request) => passkeyRegistrationOptions(deps, requireUser(request)),
  );

  app.post(
    "/auth/passkeys/registration/verify",
    {
      // Step-up, as confirming a TOTP factor: a passkey is a second factor and a way in, so an
      // old stolen session must not be able to add the thief's own.
      config: { ...user.config, stepUp: true },
      schema: {
        operationId: "registerPasskey",
        tags: ["auth"],
        summary: "Keep the passkey the authenticator created for the options' challenge",
        security: bearer,
        body: schemaRef(schemas.RegisterPasskeyBody),
        response: { 201: Type.Ref("Passkey"), ...problemResponses(400, 401, 409) },
      },
    },
    async (request, reply) => {
      const passkey = await registerPasskey(deps, requireUser(request), request.body, contextOf(request));
      return reply.code(201).send(passkey);
    },
  );

  app.get(
    "/auth/passkeys",
    {
      ...user,
      schema: {
        operationId: "listPasskeys",
        tags: ["auth"],
        summary: "The signed-in user's passkeys",
        security: bearer,
        response: { 200: Type.Ref("PasskeyList"), ...problemResponses(401) },
      },
    },
    async (request) => ({ items: await listOwnPasskeys(deps, requireUser(request)) }),
  );

  app.patch(
    "/auth/passkeys/:id",
    {
      ...user,
      schema: {
        operationId: "renamePasskey",
        tags: ["auth"],
        summary: "Rename one of the signed-in user's passkeys",
        security: bearer,
        params: schemas.PasskeyParams,
        body: schemaRef(schemas.RenamePasskeyBody),
        response: { 200: Type.Ref("Passkey"), ...problemResponses(401, 404) },
      },
    },
    async (request) =>
      renameOwnPasskey(deps, requireUser(request), request.params.id, request.body.name, contextOf(request)),
  );

  app.delete(
    "/auth/passkeys/:id",
    {
      // Step-up: a passkey is a second factor, removed like a TOTP factor (a recent sign-in
      // with a factor, POST /auth/reauthenticate).
      config: { ...user.config, stepUp: true },
      schema: {
        operationId: "removePasskey",
        tags: ["auth"],
        summary: "Remove one of the signed-in user's passkeys (needs a recent sign-in with a second factor)",
        security: bearer,
        params: schemas.PasskeyParams,
        response: { 204: noContent, ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      await removeOwnPasskey(deps, requireUser(request), request.params.id, contextOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/auth/passkeys/sign-in/options",
    {
      ...authRoute(deps),
      schema: {
        operationId: "passkeySignInOptions",
        tags: ["auth"],
        summary: "Options (with a single-use challenge) for passwordless sign-in with a passkey",
        security: [],
        response: { 200: Type.Ref("PasskeyRequestOptions") },
      },
    },
    async () => passkeySignInOptions(deps),
  );

  app.post(
    "/auth/passkeys/sign-in/verify",
    {
      ...authRoute(deps),
      schema: {
        operationId: "passkeySignIn",
        tags: ["auth"],
        summary: "Sign in with a passkey (discoverable credential, user verification required)",
        security: [],
        body: schemaRef(schemas.PasskeySignInBody),
        response: { 200: Type.Ref("TokenResponse"), ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const result = await signInWithPasskey(deps, body.credential, contextOf(request));
      return tokenAnswer(reply, deps.config, result, body.clientType === "native");
    },
  );
}
