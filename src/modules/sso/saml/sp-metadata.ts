import { nodeSamlLibrary } from "./node-saml.ts";
import type { SamlConnectionSettings } from "./settings.ts";

/**
 * The SP metadata XML an owner uploads to the IdP (or points it at by URL): entity id,
 * ACS URL (HTTP-POST), WantAssertionsSigned and the requested NameID format. Unsigned, with
 * no SP certificate: Rampart neither signs AuthnRequests nor takes encrypted assertions yet.
 */
export async function samlSpMetadata(settings: SamlConnectionSettings): Promise<string> {
  const { generateServiceProviderMetadata } = await nodeSamlLibrary();
  return generateServiceProviderMetadata({
    issuer: settings.spEntityId,
    callbackUrl: settings.acsUrl,
    wantAssertionsSigned: settings.wantAssertionsSigned,
    identifierFormat: settings.nameIdFormat,
  });
}
