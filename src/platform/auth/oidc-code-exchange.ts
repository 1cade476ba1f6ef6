import { Type } from "@sinclair/typebox";
import type * as client from "openid-client";
import { AppError } from "../errors/app-error.ts";
import { describeOidcError, openidClient } from "./oidc-discovery.ts";

/**
 * The query of an OIDC redirect back, each bounded: the authorization response (RFC 6749
 * 4.1.2, errors 4.1.2.1), the issuer (RFC 9207) and OIDC Session Management's session_state.
 * A relying party's querystring schema is an object of these (and what its providers add).
 */
export const oidcCallbackParameters = {
  state: Type.Optional(Type.String({ maxLength: 512 })),
  code: Type.Optional(Type.String({ maxLength: 4096 })),
  error: Type.Optional(Type.String({ maxLength: 256 })),
  error_description: Type.Optional(Type.String({ maxLength: 2048 })),
  error_uri: Type.Optional(Type.String({ maxLength: 2048 })),
  iss: Type.Optional(Type.String({ maxLength: 2048 })),
  session_state: Type.Optional(Type.String({ maxLength: 512 })),
  scope: Type.Optional(Type.String({ maxLength: 2048 })),
};

/** What the sign-in's start stored and the callback must match (PKCE, state, nonce). */
export interface OidcChecks {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

/** Each way a callback fails, as the relying party's own typed error (sso's, social's). */
export interface OidcExchangeFailures {
  /** The provider sent an error instead of a code (RFC 6749 4.1.2.1): its `error`. */
  providerError(code: string): AppError;
  /** The provider could not be reached, or did not answer in time. */
  unreachable(): AppError;
  /** The provider's answer failed a check (state, nonce, issuer, signature, expiry…). */
  rejected(): AppError;
  /** Logs a refused answer; `err` is what describeOidcError may say of it (no tokens). */
  logRefused(err: ReturnType<typeof describeOidcError>): void;
}

/**
 * The callback of an OIDC relying party (company SSO, social sign-in): the code exchanged at
 * the token endpoint with PKCE, the state and nonce checked, the ID token validated by
 * openid-client (signature too: discoverOidc turns that on). Returns the ID token's claims,
 * with userinfo's when the ID token lacks `emailClaim` — the ID token's claims win, userinfo
 * only fills what they lack.
 */
export async function exchangeOidcCode(
  config: client.Configuration,
  callbackUrl: string,
  query: Readonly<Record<string, string | undefined>>,
  checks: OidcChecks,
  emailClaim: string,
  failures: OidcExchangeFailures,
): Promise<Record<string, unknown>> {
  // Loaded on the first federated sign-in, not at start (docs/benchmarks.md, issue #21).
  const oidc = await openidClient();
  const current = new URL(callbackUrl);
  for (const [name, value] of Object.entries(query)) if (value !== undefined) current.searchParams.set(name, value);
  try {
    const tokens = await oidc.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw failures.rejected();
    const all: Record<string, unknown> = { ...claims };
    if (all[emailClaim] === undefined && config.serverMetadata().userinfo_endpoint) {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      for (const [name, value] of Object.entries(info)) if (!(name in all)) all[name] = value;
    }
    return all;
  } catch (error) {
    if (error instanceof oidc.AuthorizationResponseError) throw failures.providerError(error.error);
    if (error instanceof AppError) throw error;
    failures.logRefused(describeOidcError(error));
    if (error instanceof TypeError || (error instanceof Error && error.name === "TimeoutError"))
      throw failures.unreachable();
    throw failures.rejected();
  }
}
