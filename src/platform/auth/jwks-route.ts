import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { SigningKeys } from "./signing-keys.ts";

export interface JwksRouteOptions {
  readonly keys: SigningKeys;
}

/**
 * One public key (RFC 7517): the public members of the key types we sign with. The
 * response serializer writes only declared members, so this schema is also an allow-list:
 * a private parameter (`d`, `p`, `q`, …) could not leave the server even if a bug put it
 * into the keyset.
 */
const JwkSchema = Type.Object(
  {
    kty: Type.Union([Type.Literal("RSA"), Type.Literal("EC"), Type.Literal("OKP")]),
    kid: Type.String(),
    alg: Type.Union([Type.Literal("RS256"), Type.Literal("ES256"), Type.Literal("EdDSA")]),
    use: Type.Literal("sig"),
    n: Type.Optional(Type.String()),
    e: Type.Optional(Type.String()),
    crv: Type.Optional(Type.String()),
    x: Type.Optional(Type.String()),
    y: Type.Optional(Type.String()),
  },
  { $id: "Jwk" },
);

const JwksSchema = Type.Object({ keys: Type.Array(Type.Ref("Jwk")) }, { $id: "Jwks" });

/**
 * GET /.well-known/jwks.json: the public keys that verify our access tokens. Cacheable for
 * five minutes: a verifier meeting an unknown kid refetches anyway (jose's remote JWKS
 * does), and a retired key stays listed far longer than that.
 */
export const jwksRoute: FastifyPluginAsyncTypebox<JwksRouteOptions> = async (app, options) => {
  app.addSchema(JwkSchema);
  app.addSchema(JwksSchema);
  app.get(
    "/.well-known/jwks.json",
    {
      config: { access: "public" },
      schema: {
        operationId: "getJwks",
        tags: ["auth"],
        summary: "The public keys that verify access tokens (RFC 7517 JWK Set)",
        security: [],
        response: { 200: Type.Ref("Jwks") },
      },
    },
    async (_request, reply) => {
      reply.header("cache-control", "public, max-age=300");
      return options.keys.jwks();
    },
  );
};
