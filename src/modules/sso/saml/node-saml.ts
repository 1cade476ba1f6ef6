import type { SAML } from "@node-saml/node-saml";
import { lazyModule } from "../../../platform/lazy-module.ts";
import type { SamlConnectionSettings } from "./settings.ts";

// node-saml (with its XML-signature stack) costs ~100 ms at load, for sign-ins most processes
// never serve between restarts: loaded on the first SAML request instead.
export const nodeSamlLibrary = lazyModule(() => import("@node-saml/node-saml"));

/**
 * A node-saml instance for one connection. node-saml verifies the XML signatures (only the
 * signed bytes are returned, wrapping and multiple assertions refused), the Conditions'
 * time window and the Audience. InResponseTo is left to sign-in.ts (`never` here): node-saml
 * checks it with a get-then-remove on its cache, which two instances could both pass;
 * Rampart spends the request id with one conditional DELETE instead.
 */
export async function nodeSaml(settings: SamlConnectionSettings, requestId?: string): Promise<SAML> {
  const { SAML, ValidateInResponseTo } = await nodeSamlLibrary();
  return new SAML({
    issuer: settings.spEntityId,
    audience: settings.spEntityId,
    callbackUrl: settings.acsUrl,
    entryPoint: settings.idpSsoUrl,
    idpIssuer: settings.idpEntityId,
    idpCert: [...settings.idpCertificates],
    wantAssertionsSigned: settings.wantAssertionsSigned,
    wantAuthnResponseSigned: settings.wantAuthnResponseSigned,
    acceptedClockSkewMs: settings.clockSkewMs,
    identifierFormat: settings.nameIdFormat,
    // Okta, Entra and Google answer an exact PasswordProtectedTransport request with an error
    // when the user signed in with MFA or a passkey: let the IdP choose how to authenticate.
    disableRequestedAuthnContext: true,
    validateInResponseTo: ValidateInResponseTo.never,
    ...(requestId ? { generateUniqueId: () => requestId } : {}),
  });
}
