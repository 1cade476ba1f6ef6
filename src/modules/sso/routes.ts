import fastifyCookie from "@fastify/cookie";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { registerSsoAdminRoutes } from "./admin-routes.ts";
import { registerSsoAuthRoutes } from "./auth-routes.ts";
import { samlRoutes } from "./saml-routes.ts";
import { samlStarter } from "./saml-sign-in.ts";
import { ssoSchemas } from "./schemas.ts";
import type { SsoDeps } from "./service.ts";
import type { SamlStarter } from "./sign-in-start.ts";

export interface SsoRouteOptions {
  readonly deps: SsoDeps;
  /** The SAML service provider's SP-initiated start; by default this module's own (saml-sign-in.ts). */
  readonly saml?: SamlStarter;
}

/** Single sign-on: the company's connections, domains and policy; discovery, the OIDC callback and the SAML endpoints. */
export const ssoRoutes: FastifyPluginAsyncTypebox<SsoRouteOptions> = async (app, { deps, saml }) => {
  for (const schema of ssoSchemas) app.addSchema(schema);
  // The callbacks set the refresh cookie (identity's plugin registers its own, encapsulated).
  await app.register(fastifyCookie);
  const withSaml = { ...deps, saml: saml ?? samlStarter(deps) };
  registerSsoAdminRoutes(app, withSaml);
  registerSsoAuthRoutes(app, withSaml);
  await app.register(samlRoutes, { deps });
};
