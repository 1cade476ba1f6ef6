import { X509Certificate } from "node:crypto";
import type { FieldError } from "../../../platform/errors/app-error.ts";
import { samlErrors } from "./errors.ts";

/** The most clock skew a connection may allow: beyond it an expired assertion stays usable too long. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
export const DEFAULT_CLOCK_SKEW_MS = 60_000;

/**
 * One company's SAML connection, as stored with the connection (JSON) and as the SP layer
 * uses it. The SP side (`spEntityId`, `acsUrl`) is Rampart's, derived from the connection
 * id; the IdP side comes from the owner, usually through `parseIdpMetadata`.
 */
export interface SamlConnectionSettings {
  /** Rampart's entity id for this connection: the Audience every assertion must name. */
  readonly spEntityId: string;
  /** Rampart's Assertion Consumer Service URL: the Recipient and Destination responses must name. */
  readonly acsUrl: string;
  /** The IdP's entity id: the Issuer every assertion must name. */
  readonly idpEntityId: string;
  /** Where the browser is sent with an AuthnRequest (HTTP-Redirect binding). */
  readonly idpSsoUrl: string;
  /** PEM certificates any of which may sign: two during a rotation, the old one removed afterwards. */
  readonly idpCertificates: readonly string[];
  /** Require the assertion itself to be signed (the default, and what every major IdP does). */
  readonly wantAssertionsSigned: boolean;
  /** Require the whole Response to be signed too. With neither set, one of the two must still be. */
  readonly wantAuthnResponseSigned: boolean;
  /** Accept responses that answer no request of ours (unsolicited, IdP-initiated). Off by default: login CSRF. */
  readonly allowIdpInitiated: boolean;
  /** Tolerance on NotBefore / NotOnOrAfter, 0 … MAX_CLOCK_SKEW_MS. */
  readonly clockSkewMs: number;
  /** Requested NameID format; null asks for none (the IdP's default). */
  readonly nameIdFormat: string | null;
  /** Attribute names: email (absent → the NameID when it is an address), display name, groups. */
  readonly attributes: { readonly email?: string; readonly name?: string; readonly groups?: string };
}

export type SamlSettingsInput = Pick<
  SamlConnectionSettings,
  "spEntityId" | "acsUrl" | "idpEntityId" | "idpSsoUrl" | "idpCertificates"
> &
  Partial<SamlConnectionSettings>;

/** Fills the defaults and validates; throws `saml.invalid_settings` (422) naming each bad field. */
export function samlSettings(input: SamlSettingsInput, path = "/body"): SamlConnectionSettings {
  const settings: SamlConnectionSettings = {
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    allowIdpInitiated: false,
    clockSkewMs: DEFAULT_CLOCK_SKEW_MS,
    nameIdFormat: null,
    attributes: {},
    ...input,
    idpCertificates: input.idpCertificates.map(normalizePem),
  };
  const errors = validate(settings, path);
  if (errors.length > 0) throw samlErrors.invalidSettings(errors);
  return settings;
}

function validate(s: SamlConnectionSettings, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!isHttpUrl(s.acsUrl)) errors.push({ path: `${path}/acsUrl`, message: "must be an absolute http(s) URL" });
  if (!isHttpUrl(s.idpSsoUrl)) errors.push({ path: `${path}/idpSsoUrl`, message: "must be an absolute http(s) URL" });
  if (s.spEntityId.trim() === "") errors.push({ path: `${path}/spEntityId`, message: "must not be empty" });
  if (s.idpEntityId.trim() === "") errors.push({ path: `${path}/idpEntityId`, message: "must not be empty" });
  if (s.idpCertificates.length === 0 || s.idpCertificates.length > 4) {
    errors.push({ path: `${path}/idpCertificates`, message: "must list 1 to 4 certificates" });
  }
  s.idpCertificates.forEach((pem, i) => {
    if (!isCertificate(pem))
      errors.push({ path: `${path}/idpCertificates/${i}`, message: "is not an X.509 certificate" });
  });
  if (!Number.isInteger(s.clockSkewMs) || s.clockSkewMs < 0 || s.clockSkewMs > MAX_CLOCK_SKEW_MS) {
    errors.push({ path: `${path}/clockSkewMs`, message: `must be an integer from 0 to ${MAX_CLOCK_SKEW_MS}` });
  }
  return errors;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

function isCertificate(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}

/** Metadata and consoles hand out bare base64 as often as PEM; both are kept as PEM. */
export function normalizePem(value: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith("-----BEGIN")) return `${trimmed}\n`;
  const body = trimmed.replace(/\s+/g, "");
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}
