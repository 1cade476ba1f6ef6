import type * as client from "openid-client";
import { lazyModule } from "../lazy-module.ts";

/**
 * openid-client (with oauth4webapi) loaded on the first SSO or social sign-in, not at
 * start: most processes never run one, and loading it cost every start ~5 ms and its
 * memory (issue #21's start-to-ready and idle RSS targets).
 */
export const openidClient = lazyModule(() => import("openid-client"));

/**
 * An OpenID provider's configuration, discovered for a relying party (company SSO, social
 * sign-in). openid-client trusts the TLS channel for an ID token from the token endpoint
 * unless asked to verify its signature too (OIDC Core 3.1.3.7 allows either): Rampart always
 * verifies, so a token not signed by a key in the provider's JWKS is refused whatever the
 * channel. `allowInsecure` admits http issuers (development and loopback tests only).
 */
export async function discoverOidc(
  issuer: string,
  clientId: string,
  clientSecret: string,
  options: { readonly timeoutS: number; readonly allowInsecure: boolean },
): Promise<client.Configuration> {
  const client = await openidClient();
  return client.discovery(new URL(issuer), clientId, clientSecret, undefined, {
    timeout: options.timeoutS,
    execute: options.allowInsecure
      ? [client.enableNonRepudiationChecks, client.allowInsecureRequests]
      : [client.enableNonRepudiationChecks],
  });
}

/** What a log line may say of an OIDC library error: its kind, code and a bounded message. */
export function describeOidcError(error: unknown) {
  if (!(error instanceof Error)) return { message: String(error) };
  return { type: error.name, code: (error as { code?: unknown }).code, message: error.message.slice(0, 300) };
}
