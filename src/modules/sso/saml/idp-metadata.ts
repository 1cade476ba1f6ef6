import { samlErrors } from "./errors.ts";
import { normalizePem, type SamlConnectionSettings } from "./settings.ts";
import { children, MalformedSaml, parseXml, type XmlElement } from "./xml.ts";

const MD_NS = "urn:oasis:names:tc:SAML:2.0:metadata";
const DSIG_NS = "http://www.w3.org/2000/09/xmldsig#";
const PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol";
const REDIRECT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
/** Metadata documents are a few KiB; federation aggregates (megabytes) are not a connection's IdP. */
export const MAX_METADATA_BYTES = 512 * 1024;

export type IdpMetadata = Pick<SamlConnectionSettings, "idpEntityId" | "idpSsoUrl" | "idpCertificates">;

/**
 * Reads an IdP's EntityDescriptor: its entity id, the HTTP-Redirect SingleSignOnService
 * and every signing certificate (several during a rotation). Throws `saml.invalid_metadata`
 * (422) at `path` when something Rampart needs is missing or unsupported.
 */
export function parseIdpMetadata(xml: string, path = "/body/metadataXml"): IdpMetadata {
  const refuse = (message: string) => samlErrors.invalidMetadata(path, message);
  if (xml.length > MAX_METADATA_BYTES) throw refuse(`is larger than ${MAX_METADATA_BYTES} bytes`);
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (error) {
    throw refuse(error instanceof MalformedSaml ? `is not well-formed XML (${error.message})` : "is not XML");
  }
  if (root.namespaceURI !== MD_NS || root.localName !== "EntityDescriptor") {
    throw refuse("must be one SAML 2.0 EntityDescriptor");
  }
  const idpEntityId = root.getAttribute("entityID") ?? "";
  if (idpEntityId === "") throw refuse("has no entityID");
  const descriptor = children(root, MD_NS, "IDPSSODescriptor").find((d) =>
    (d.getAttribute("protocolSupportEnumeration") ?? "").split(/\s+/).includes(PROTOCOL),
  );
  if (!descriptor) throw refuse("has no SAML 2.0 IDPSSODescriptor");
  if (descriptor.getAttribute("WantAuthnRequestsSigned") === "true") {
    throw refuse("requires signed AuthnRequests, which Rampart does not send; turn the requirement off at the IdP");
  }
  const sso = children(descriptor, MD_NS, "SingleSignOnService").find(
    (s) => s.getAttribute("Binding") === REDIRECT_BINDING,
  );
  const idpSsoUrl = sso?.getAttribute("Location") ?? "";
  if (idpSsoUrl === "") throw refuse("has no SingleSignOnService with the HTTP-Redirect binding");

  const idpCertificates = children(descriptor, MD_NS, "KeyDescriptor")
    .filter((k) => (k.getAttribute("use") || "signing") === "signing")
    .flatMap((k) => children(k, DSIG_NS, "KeyInfo"))
    .flatMap((info) => children(info, DSIG_NS, "X509Data"))
    .flatMap((data) => children(data, DSIG_NS, "X509Certificate"))
    .map((cert) => normalizePem(cert.textContent ?? ""));
  if (idpCertificates.length === 0) throw refuse("lists no signing certificate");
  return { idpEntityId, idpSsoUrl, idpCertificates: [...new Set(idpCertificates)] };
}

/**
 * Fetches metadata from the IdP's URL with a time and size bound. `fetchImpl` is the
 * caller's: the route passes one that refuses private addresses (the owner chooses the
 * URL, so this is an outbound request on an owner's behalf — see webhooks' SSRF guard).
 */
export async function fetchIdpMetadata(
  url: string,
  options: { timeoutMs?: number; fetchImpl?: typeof fetch; path?: string } = {},
): Promise<string> {
  const path = options.path ?? "/body/metadataUrl";
  const refuse = (message: string) => samlErrors.invalidMetadata(path, message);
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw refuse("must be an absolute URL");
  }
  if (target.protocol !== "https:" && target.protocol !== "http:") throw refuse("must be an http(s) URL");
  let response: Response;
  try {
    response = await (options.fetchImpl ?? fetch)(target, {
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      redirect: "error",
      headers: { accept: "application/samlmetadata+xml, application/xml, text/xml" },
    });
  } catch {
    throw refuse("could not be fetched (unreachable, redirected or too slow)");
  }
  if (!response.ok) throw refuse(`answered HTTP ${response.status}`);
  const declared = Number(response.headers.get("content-length") ?? 0);
  if (declared > MAX_METADATA_BYTES) throw refuse(`is larger than ${MAX_METADATA_BYTES} bytes`);
  const body = await readBounded(response, MAX_METADATA_BYTES);
  if (body === null) throw refuse(`is larger than ${MAX_METADATA_BYTES} bytes`);
  return body;
}

async function readBounded(response: Response, limit: number): Promise<string | null> {
  if (!response.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  // A reader rather than `for await`: the DOM typings (the docs/frontend check compiles the
  // app with them) give ReadableStream no async iterator.
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
