import { createRequire } from "node:module";

/**
 * The few DOM members Rampart reads. @xmldom/xmldom (node-saml's own parser, the same copy)
 * is loaded through require with these local types because its type declarations pull the
 * browser DOM library into the whole program, where it clashes with Node's fetch types.
 */
export interface XmlNode {
  readonly nodeType: number;
  readonly firstChild: XmlNode | null;
  readonly nextSibling: XmlNode | null;
  readonly textContent: string | null;
}

export interface XmlElement extends XmlNode {
  readonly namespaceURI: string | null;
  readonly localName: string | null;
  getAttribute(name: string): string | null;
}

interface XmlDocument {
  readonly documentElement: XmlElement | null;
}

interface DomParserOptions {
  errorHandler: { warning(message: string): void; error(message: string): void; fatalError(message: string): void };
}

type DomParser = new (options: DomParserOptions) => { parseFromString(xml: string, mimeType: string): XmlDocument };

const require = createRequire(import.meta.url);
let DOMParser: DomParser | undefined;
/** Required on the first SAML message or metadata parsed, not at start (issue #21: start to ready, idle RSS). */
function domParser(): DomParser {
  DOMParser ??= (require("@xmldom/xmldom") as { DOMParser: DomParser }).DOMParser;
  return DOMParser;
}

/** A parse failure: the caller refuses the message as malformed. */
export class MalformedSaml extends Error {
  override readonly name = "MalformedSaml";
}

/**
 * Parses XML strictly: any parser error or warning is fatal, and a DOCTYPE is refused before
 * parsing (SAML never needs one; it is where entity-expansion attacks live).
 */
export function parseXml(xml: string): XmlElement {
  if (/<!DOCTYPE/i.test(xml)) throw new MalformedSaml("a DOCTYPE is not allowed");
  const fail = (message: string) => {
    throw new MalformedSaml(message);
  };
  const Parser = domParser();
  const doc = new Parser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(
    xml,
    "text/xml",
  );
  if (!doc?.documentElement) throw new MalformedSaml("not XML");
  return doc.documentElement;
}

/** Direct element children in `ns` named `name` — never descendants, so nested content cannot stand in. */
export function children(parent: XmlElement, ns: string, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    const el = node as XmlElement;
    if (node.nodeType === 1 && el.namespaceURI === ns && el.localName === name) found.push(el);
  }
  return found;
}

/**
 * An element's whole text: every text node joined. Reading only the first text node is the
 * classic comment-injection bug (`user@evil.com<!---->.example.com` → `user@evil.com`).
 */
export function textOf(el: XmlElement): string {
  return (el.textContent ?? "").trim();
}
