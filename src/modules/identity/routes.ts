import fastifyCookie from "@fastify/cookie";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { allSources, userExportSchema } from "./account-data.ts";
import { registerFactorRoutes } from "./factor-routes.ts";
import { factorSchemas } from "./factor-schemas.ts";
import { registerIdentityMailRequests } from "./mail.ts";
import { registerMeRoutes } from "./me-routes.ts";
import { registerMfaRoutes } from "./mfa-routes.ts";
import { registerPasskeyRoutes } from "./passkeys/routes.ts";
import { registerPasswordRoutes } from "./password-routes.ts";
import { registerRegistrationRoutes } from "./registration-routes.ts";
import type { IdentityRouteOptions } from "./route-support.ts";
import * as schemas from "./schemas.ts";
import { registerSessionRoutes } from "./session-routes.ts";

export type { IdentityRouteOptions } from "./route-support.ts";

/**
 * Identity's HTTP API, one file per use case. The order of registration is the order of the
 * operations in openapi.json: registration, sessions, passwords, then the account.
 */
export const identityRoutes: FastifyPluginAsyncTypebox<IdentityRouteOptions> = async (app, options) => {
  const { deps } = options;
  for (const schema of schemas.identitySchemas) app.addSchema(schema);
  for (const schema of factorSchemas) app.addSchema(schema);
  app.addSchema(userExportSchema(allSources(deps.personalData)));
  registerIdentityMailRequests(deps);
  // Only the refresh routes use a cookie: registered here, its parsing and serialising hooks
  // run on this module's routes and not on every request of the API.
  await app.register(fastifyCookie);
  registerRegistrationRoutes(app, options);
  registerSessionRoutes(app, options);
  registerMfaRoutes(app, options);
  registerPasswordRoutes(app, options);
  registerPasskeyRoutes(app, options);
  registerMeRoutes(app, options);
  registerFactorRoutes(app, options);
};
