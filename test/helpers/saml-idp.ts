import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A real SAML 2.0 identity provider for tests: samlify (a second, independent SAML
 * implementation) in the IdP role, signing with its own key. Rampart's SP (node-saml) must
 * accept what it signs and refuse everything else.
 *
 * samlify is loaded through require with the few types used here: its declarations pull
 * the browser DOM library into the program, which breaks Node's fetch types elsewhere.
 */
interface SamlifyEntity {
  getMetadata(): string;
  entityMeta: {
    getEntityID(): string;
    getAssertionConsumerService(binding: string): string | string[];
    isWantAssertionsSigned(): boolean;
  };
}
interface SamlifyIdp extends SamlifyEntity {
  createLoginResponse(
    sp: SamlifyEntity,
    requestInfo: unknown,
    binding: "post",
    user: Record<string, unknown>,
    options: { customTagReplacement: (template: string) => { id: string; context: string } },
  ): Promise<{ context: string }>;
  parseLoginRequest(
    sp: SamlifyEntity,
    binding: "redirect",
    req: { query: Record<string, string> },
  ): Promise<{ extract: { request: { id: string } }; samlContent: string }>;
}
interface Samlify {
  IdentityProvider(settings: Record<string, unknown>): SamlifyIdp;
  ServiceProvider(settings: Record<string, unknown>): SamlifyEntity;
  setSchemaValidator(validator: { validate(xml: string): Promise<unknown> }): void;
}

const samlify = createRequire(import.meta.url)("samlify") as Samlify;
// samlify refuses to parse anything until a schema validator is set. This IdP is test-only
// and its inputs are Rampart's own AuthnRequests, so the validator accepts everything; the
// SP under test (node-saml + Rampart's checks) validates what it receives on its own.
samlify.setSchemaValidator({ validate: async () => "skipped: test IdP" });

const POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
const REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";

export interface KeyPair {
  readonly privateKey: string;
  readonly certificate: string;
}

/** A fresh RSA key and self-signed certificate (openssl: Node cannot make X.509 certificates). */
export function generateKeyPair(commonName = "rampart-test-idp"): KeyPair {
  const dir = mkdtempSync(join(tmpdir(), "rampart-saml-"));
  try {
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2"].concat([
        "-subj",
        `/CN=${commonName}`,
      ]),
      { stdio: "ignore" },
    );
    return { privateKey: readFileSync(key, "utf8"), certificate: readFileSync(cert, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What Rampart's SP looks like to the IdP. */
export interface SpView {
  readonly entityId: string;
  readonly acsUrl: string;
}

export interface AssertionOptions {
  /** The request answered; omitted for an IdP-initiated (unsolicited) response. */
  readonly inResponseTo?: string;
  readonly nameId: string;
  readonly attributes?: Record<string, string[]>;
  readonly audience?: string;
  readonly recipient?: string;
  readonly destination?: string;
  readonly issuer?: string;
  /** Offsets from now, in ms, of Conditions/SubjectConfirmationData NotOnOrAfter and NotBefore. */
  readonly notOnOrAfterMs?: number;
  readonly notBeforeMs?: number;
  /** Which parts samlify signs: the assertion (default), the whole response, both, or none. */
  readonly sign?: "assertion" | "response" | "both" | "none";
}

export interface TestIdp {
  readonly entityId: string;
  readonly ssoUrl: string;
  readonly keys: KeyPair;
  /** samlify's IdP metadata document. */
  metadata(): string;
  /** The AuthnRequest carried by Rampart's redirect URL, parsed by samlify: its ID. */
  readAuthnRequest(redirectUrl: string, spMetadataXml: string): Promise<{ id: string; xml: string }>;
  /** A base64 SAMLResponse for the SP, built and signed by samlify. */
  respond(sp: SpView, options: AssertionOptions): Promise<string>;
}

const escapeXml = (value: string) =>
  value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function attributeStatement(attributes: Record<string, string[]>): string {
  const entries = Object.entries(attributes);
  if (entries.length === 0) return "";
  const body = entries
    .map(
      ([name, values]) =>
        `<saml:Attribute Name="${escapeXml(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${values
          .map((v) => `<saml:AttributeValue xsi:type="xs:string">${escapeXml(v)}</saml:AttributeValue>`)
          .join("")}</saml:Attribute>`,
    )
    .join("");
  return `<saml:AttributeStatement>${body}</saml:AttributeStatement>`;
}

/** An IdP signing with `keys` (a fresh pair unless given), entity id `entityId`. */
export function createTestIdp(options: { entityId?: string; keys?: KeyPair } = {}): TestIdp {
  const entityId = options.entityId ?? "https://idp.test/metadata";
  const ssoUrl = "https://idp.test/sso";
  const keys = options.keys ?? generateKeyPair();
  const idp = samlify.IdentityProvider({
    entityID: entityId,
    privateKey: keys.privateKey,
    signingCert: keys.certificate,
    wantAuthnRequestsSigned: false,
    nameIDFormat: [EMAIL_FORMAT],
    singleSignOnService: [
      { Binding: REDIRECT, Location: ssoUrl },
      { Binding: POST, Location: ssoUrl },
    ],
    singleLogoutService: [{ Binding: REDIRECT, Location: "https://idp.test/slo" }],
  });

  return {
    entityId,
    ssoUrl,
    keys,
    metadata: () => idp.getMetadata(),
    async readAuthnRequest(redirectUrl, spMetadataXml) {
      const query = Object.fromEntries(new URL(redirectUrl).searchParams);
      const sp = samlify.ServiceProvider({ metadata: spMetadataXml });
      const parsed = await idp.parseLoginRequest(sp, "redirect", { query });
      return { id: parsed.extract.request.id, xml: parsed.samlContent };
    },
    async respond(spView, o) {
      const now = Date.now();
      const at = (offset: number) => new Date(now + offset).toISOString();
      const id = `_${randomBytes(16).toString("hex")}`;
      const values: Record<string, string> = {
        ID: id,
        AssertionID: `_${randomBytes(16).toString("hex")}`,
        IssueInstant: at(0),
        Destination: o.destination ?? spView.acsUrl,
        Issuer: o.issuer ?? entityId,
        NameID: o.nameId,
        NameIDFormat: EMAIL_FORMAT,
        Recipient: o.recipient ?? spView.acsUrl,
        Audience: o.audience ?? spView.entityId,
        NotBefore: at(o.notBeforeMs ?? -30_000),
        NotOnOrAfter: at(o.notOnOrAfterMs ?? 5 * 60_000),
      };
      const inResponseTo = o.inResponseTo ? ` InResponseTo="${escapeXml(o.inResponseTo)}"` : "";
      const fill = (template: string) =>
        template.replace(/\{(\w+)\}/g, (_, key: string) => escapeXml(values[key] ?? `{${key}}`));
      const xml =
        fill(
          `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{ID}" Version="2.0" IssueInstant="{IssueInstant}" Destination="{Destination}"`,
        ) +
        inResponseTo +
        fill(
          `><saml:Issuer>{Issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="{AssertionID}" Version="2.0" IssueInstant="{IssueInstant}"><saml:Issuer>{Issuer}</saml:Issuer><saml:Subject><saml:NameID Format="{NameIDFormat}">{NameID}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{NotOnOrAfter}" Recipient="{Recipient}"`,
        ) +
        inResponseTo +
        fill(
          `/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{NotBefore}" NotOnOrAfter="{NotOnOrAfter}"><saml:AudienceRestriction><saml:Audience>{Audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{IssueInstant}" SessionIndex="{AssertionID}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`,
        ) +
        attributeStatement(o.attributes ?? {}) +
        "</saml:Assertion></samlp:Response>";

      const sign = o.sign ?? "assertion";
      if (sign === "none") return Buffer.from(xml, "utf8").toString("base64");
      // samlify signs the assertion when the SP wants it, and the response when the SP wants
      // signed messages (or does not want signed assertions).
      const sp = samlify.ServiceProvider({
        entityID: spView.entityId,
        assertionConsumerService: [{ Binding: POST, Location: spView.acsUrl }],
        wantAssertionsSigned: sign !== "response",
        wantMessageSigned: sign !== "assertion",
      });
      const response = await idp.createLoginResponse(
        sp,
        null,
        "post",
        { email: o.nameId },
        { customTagReplacement: () => ({ id, context: xml }) },
      );
      return response.context;
    },
  };
}

/** Rampart's SP metadata as samlify reads it: what an IdP would configure from it. */
export function readSpMetadata(xml: string): { entityId: string; acsUrl: string; wantAssertionsSigned: boolean } {
  const sp = samlify.ServiceProvider({ metadata: xml });
  const acs = sp.entityMeta.getAssertionConsumerService("post");
  return {
    entityId: sp.entityMeta.getEntityID(),
    acsUrl: Array.isArray(acs) ? (acs[0] ?? "") : acs,
    wantAssertionsSigned: sp.entityMeta.isWantAssertionsSigned(),
  };
}

/** The XML inside a base64 SAMLResponse, and back: for tests that tamper with a signed response. */
export const decodeResponse = (base64: string) => Buffer.from(base64, "base64").toString("utf8");
export const encodeResponse = (xml: string) => Buffer.from(xml, "utf8").toString("base64");
