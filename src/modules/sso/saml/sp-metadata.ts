import { generateServiceProviderMetadata } from "@node-saml/node-saml";
import type { SamlConnectionSettings } from "./settings.ts";

/**
 * The SP metadata XML an owner uploads to the IdP (or points it at by URL): entity id,
 * ACS URL (HTTP-POST), WantAssertionsSigned and the requested NameID format. Unsigned, with
 * no SP certificate: Rampart neither signs AuthnRequests nor takes encrypted assertions yet.
 */
export function samlSpMetadata(settings: SamlConnectionSettings): string {
  return generateServiceProviderMetadata({
    issuer: settings.spEntityId,
    callbackUrl: settings.acsUrl,
    wantAssertionsSigned: settings.wantAssertionsSigned,
    identifierFormat: settings.nameIdFormat,
  });
}
