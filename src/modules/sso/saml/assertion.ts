import type { SamlConnectionSettings } from "./settings.ts";
import { children, MalformedSaml, parseXml, textOf, type XmlElement } from "./xml.ts";

export const SAML_ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion";
export const SAML_PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol";
const BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/** What Rampart reads of an assertion — only ever of the XML the signature covered. */
export interface ParsedAssertion {
  readonly id: string;
  readonly issuer: string;
  readonly nameId: string;
  readonly nameIdFormat: string | null;
  readonly audiences: readonly string[];
  readonly notBefore: number | null;
  readonly notOnOrAfter: number | null;
  readonly confirmations: readonly SubjectConfirmation[];
  readonly attributes: ReadonlyMap<string, readonly string[]>;
}

export interface SubjectConfirmation {
  readonly recipient: string | null;
  readonly inResponseTo: string | null;
  readonly notBefore: number | null;
  readonly notOnOrAfter: number | null;
}

function child(parent: XmlElement, ns: string, name: string): XmlElement | undefined {
  return children(parent, ns, name)[0];
}

function instant(el: XmlElement, attribute: string): number | null {
  const raw = el.getAttribute(attribute);
  if (raw === null || raw === "") return null;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw new MalformedSaml(`${attribute} is not a date`);
  return ms;
}

/** Reads the signed assertion (node-saml's verified XML, whose root is the Assertion). */
export function parseAssertion(xml: string): ParsedAssertion {
  const root = parseXml(xml);
  if (root.namespaceURI !== SAML_ASSERTION_NS || root.localName !== "Assertion") {
    throw new MalformedSaml("the signed content is not an assertion");
  }
  const id = root.getAttribute("ID") ?? "";
  if (id === "") throw new MalformedSaml("the assertion has no ID");
  const issuerEl = child(root, SAML_ASSERTION_NS, "Issuer");
  const subject = child(root, SAML_ASSERTION_NS, "Subject");
  const nameIdEl = subject ? child(subject, SAML_ASSERTION_NS, "NameID") : undefined;
  const conditions = children(root, SAML_ASSERTION_NS, "Conditions");
  if (conditions.length > 1) throw new MalformedSaml("more than one Conditions");
  const condition = conditions[0];

  const confirmations = (subject ? children(subject, SAML_ASSERTION_NS, "SubjectConfirmation") : [])
    .filter((c) => c.getAttribute("Method") === BEARER)
    .map((c) => {
      const data = child(c, SAML_ASSERTION_NS, "SubjectConfirmationData");
      return {
        recipient: data?.getAttribute("Recipient") || null,
        inResponseTo: data?.getAttribute("InResponseTo") || null,
        notBefore: data ? instant(data, "NotBefore") : null,
        notOnOrAfter: data ? instant(data, "NotOnOrAfter") : null,
      };
    });

  const attributes = new Map<string, string[]>();
  for (const statement of children(root, SAML_ASSERTION_NS, "AttributeStatement")) {
    for (const attribute of children(statement, SAML_ASSERTION_NS, "Attribute")) {
      const name = attribute.getAttribute("Name") ?? "";
      const values = children(attribute, SAML_ASSERTION_NS, "AttributeValue").map(textOf);
      attributes.set(name, [...(attributes.get(name) ?? []), ...values]);
    }
  }

  return {
    id,
    issuer: issuerEl ? textOf(issuerEl) : "",
    nameId: nameIdEl ? textOf(nameIdEl) : "",
    nameIdFormat: nameIdEl?.getAttribute("Format") || null,
    audiences: condition
      ? children(condition, SAML_ASSERTION_NS, "AudienceRestriction").flatMap((r) =>
          children(r, SAML_ASSERTION_NS, "Audience").map(textOf),
        )
      : [],
    notBefore: condition ? instant(condition, "NotBefore") : null,
    notOnOrAfter: condition ? instant(condition, "NotOnOrAfter") : null,
    confirmations,
    attributes,
  };
}

/** The Response envelope's own attributes (unsigned unless the IdP signs the response). */
export function parseResponseEnvelope(xml: string): { destination: string | null; inResponseTo: string | null } {
  const root = parseXml(xml);
  if (root.namespaceURI !== SAML_PROTOCOL_NS || root.localName !== "Response") {
    throw new MalformedSaml("not a SAML Response");
  }
  return {
    destination: root.getAttribute("Destination") || null,
    inResponseTo: root.getAttribute("InResponseTo") || null,
  };
}

/** The identity handed to the SSO core's `completeSsoSignIn`. */
export interface SamlIdentity {
  readonly subject: string;
  readonly email: string;
  /** The IdP asserts the address; whether that is trusted is the core's call (verified domains). */
  readonly emailVerified: true;
  readonly name?: string;
  readonly groups: string[];
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

/** Maps the assertion to the identity per the connection's attribute names; null fields say what is missing. */
export function mapIdentity(
  assertion: ParsedAssertion,
  attributes: SamlConnectionSettings["attributes"],
): { identity: SamlIdentity } | { missing: "subject" | "email" } {
  if (assertion.nameId === "") return { missing: "subject" };
  const email = attributes.email ? assertion.attributes.get(attributes.email)?.[0] : assertion.nameId;
  if (email === undefined || email.length > 254 || !EMAIL.test(email)) return { missing: "email" };
  const name = attributes.name ? assertion.attributes.get(attributes.name)?.[0] : undefined;
  const groups = attributes.groups ? [...(assertion.attributes.get(attributes.groups) ?? [])] : [];
  return {
    identity: {
      subject: assertion.nameId,
      email,
      emailVerified: true,
      ...(name ? { name } : {}),
      groups: groups.filter((g) => g !== ""),
    },
  };
}
