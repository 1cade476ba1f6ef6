import { randomBytes } from "node:crypto";
import type { Transaction } from "kysely";
import type { Clock } from "../../../platform/clock.ts";
import type { Database } from "../../../platform/db/schema.ts";
import type { Executor } from "../../../platform/db/transaction.ts";
import { mapIdentity, parseAssertion, parseResponseEnvelope, type SamlIdentity } from "./assertion.ts";
import { SamlRefusal, type SamlRefusalReason } from "./errors.ts";
import { nodeSaml, nodeSamlLibrary } from "./node-saml.ts";
import type { SamlConnectionSettings } from "./settings.ts";
import { consumeRequest, insertRequest, pruneSamlState, recordAssertion, type SamlExecutor } from "./store.ts";
import type { SamlPurpose } from "./tables.ts";
import { MalformedSaml } from "./xml.ts";

export interface SamlDeps {
  readonly db: Executor;
  readonly clock: Clock;
}

/** How long a sign-in may take at the IdP (password, MFA) before its request id expires. */
export const SAML_REQUEST_TTL_MS = 10 * 60_000;
/** Larger SAMLResponse bodies are refused before any parsing (real ones are a few KiB). */
export const MAX_SAML_RESPONSE_BYTES = 256 * 1024;

export interface SamlStart {
  /** Where to redirect the browser: the IdP's SSO URL with the deflated AuthnRequest. */
  readonly redirectUrl: string;
  /** The AuthnRequest's ID, stored until the response answers it. */
  readonly requestId: string;
  readonly expiresAt: string;
}

/**
 * SP-initiated sign-in: stores a fresh request id (shared by every instance) and returns the
 * redirect URL carrying the AuthnRequest (HTTP-Redirect binding). `relayState` comes back
 * unchanged with the response; keep it short and opaque (SAML allows 80 bytes).
 */
export async function startSamlSignIn(
  deps: SamlDeps,
  connectionId: string,
  settings: SamlConnectionSettings,
  options: { relayState?: string; purpose?: SamlPurpose; browserHash?: string } = {},
): Promise<SamlStart> {
  // An NCName (must not start with a digit): "_" + 160 random bits.
  const requestId = `_${randomBytes(20).toString("hex")}`;
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + SAML_REQUEST_TTL_MS).toISOString();
  const redirectUrl = await (await nodeSaml(settings, requestId)).getAuthorizeUrlAsync(
    options.relayState ?? "",
    undefined,
    {},
  );
  // Abandoned sign-ins leave rows: each new one sweeps the expired ones away.
  await pruneSamlState(deps.db, now.toISOString());
  await insertRequest(deps.db, {
    id: requestId,
    connectionId,
    purpose: options.purpose ?? "sign_in",
    browserHash: options.browserHash ?? null,
    now: now.toISOString(),
    expiresAt,
  });
  return { redirectUrl, requestId, expiresAt };
}

export interface SamlSignIn {
  readonly identity: SamlIdentity;
  /** The request this answered; null for an IdP-initiated sign-in (only when the connection allows it). */
  readonly requestId: string | null;
  /** What the answered request was started for (stored with it); an IdP-initiated response is a sign-in. */
  readonly purpose: SamlPurpose;
  readonly assertionId: string;
  /** Every attribute of the signed assertion, for the test-connection report (what would be mapped). */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}

/**
 * The ACS: validates a POSTed SAMLResponse (base64) for this connection and returns the
 * identity, or throws a SamlRefusal (401 problem). Checks, in order: well-formed; a valid
 * signature from one of the connection's certificates over the assertion (and over the
 * response when required); Issuer; Destination and Recipient = the ACS URL; NotBefore /
 * NotOnOrAfter within the clock skew; Audience; InResponseTo an outstanding request of this
 * connection (or none, when IdP-initiated sign-in is allowed); the assertion id never seen.
 * The last two are spent together in one transaction, so a refused response spends nothing.
 */
export async function consumeSamlResponse(
  deps: SamlDeps,
  connectionId: string,
  settings: SamlConnectionSettings,
  samlResponse: string,
  /** The binding of the browser that posted the response (the caller's cookie), for a request bound at its start. */
  options: { browserHash?: string | undefined } = {},
): Promise<SamlSignIn> {
  if (samlResponse.length > MAX_SAML_RESPONSE_BYTES || !/^[A-Za-z0-9+/=\s]+$/.test(samlResponse)) {
    throw new SamlRefusal("response_malformed");
  }
  const xml = Buffer.from(samlResponse, "base64").toString("utf8");
  const envelope = guard(() => parseResponseEnvelope(xml));

  let signedAssertionXml: string;
  try {
    const { profile } = await (await nodeSaml(settings)).validatePostResponseAsync({ SAMLResponse: samlResponse });
    const assertionXml = profile?.getAssertionXml?.();
    if (!assertionXml) throw new SamlRefusal("response_malformed");
    signedAssertionXml = assertionXml;
  } catch (error) {
    if (error instanceof SamlRefusal) throw error;
    const { SamlStatusError } = await nodeSamlLibrary();
    throw new SamlRefusal(error instanceof SamlStatusError ? "idp_refused" : reasonOf(error), error);
  }

  const assertion = guard(() => parseAssertion(signedAssertionXml));
  const now = deps.clock.now().getTime();
  const skew = settings.clockSkewMs;
  if (assertion.issuer !== settings.idpEntityId) throw new SamlRefusal("issuer_mismatch");
  if (envelope.destination !== null && envelope.destination !== settings.acsUrl) {
    throw new SamlRefusal("recipient_mismatch");
  }
  if (!assertion.audiences.includes(settings.spEntityId)) throw new SamlRefusal("audience_mismatch");
  if (!within(now, skew, assertion.notBefore, assertion.notOnOrAfter)) throw new SamlRefusal("assertion_expired");

  // A bearer confirmation addressed to this ACS, still valid: SAML's profile requires one,
  // with a NotOnOrAfter — which also bounds how long the replay entry must be kept.
  const addressed = assertion.confirmations.filter((c) => c.recipient === settings.acsUrl);
  if (addressed.length === 0) throw new SamlRefusal("recipient_mismatch");
  const confirmation = addressed.find((c) => c.notOnOrAfter !== null && within(now, skew, c.notBefore, c.notOnOrAfter));
  if (!confirmation || confirmation.notOnOrAfter === null) throw new SamlRefusal("assertion_expired");

  // The signed InResponseTo is the confirmation's; the envelope's (unsigned when only the
  // assertion is signed) may only repeat it, never supply one.
  const requestId = confirmation.inResponseTo;
  if (envelope.inResponseTo !== null && envelope.inResponseTo !== requestId) {
    throw new SamlRefusal("in_response_to_invalid");
  }
  if (requestId === null && !settings.allowIdpInitiated) throw new SamlRefusal("idp_initiated_refused");

  const mapped = mapIdentity(assertion, settings.attributes);
  if ("missing" in mapped) throw new SamlRefusal(mapped.missing === "email" ? "email_missing" : "subject_missing");

  const nowIso = new Date(now).toISOString();
  const keepUntil = new Date(Math.max(confirmation.notOnOrAfter, assertion.notOnOrAfter ?? 0) + skew).toISOString();
  let purpose: SamlPurpose = "sign_in";
  await inTransaction(deps.db, async (trx) => {
    const fresh = await recordAssertion(trx, {
      connectionId,
      assertionId: assertion.id,
      now: nowIso,
      expiresAt: keepUntil,
    });
    if (!fresh) throw new SamlRefusal("assertion_replayed");
    if (requestId !== null) {
      const spent = await consumeRequest(trx, requestId, connectionId, nowIso);
      if (spent === undefined) throw new SamlRefusal("in_response_to_invalid");
      // A request bound to the browser that started it is answered only in that browser: a
      // response someone obtained in their own browser and has a victim's browser post is
      // refused (login CSRF), and rolls back, spending nothing.
      if (spent.browserHash !== null && spent.browserHash !== options.browserHash) {
        throw new SamlRefusal("in_response_to_invalid");
      }
      purpose = spent.purpose;
    }
  });

  return {
    identity: mapped.identity,
    requestId,
    purpose,
    assertionId: assertion.id,
    attributes: Object.fromEntries(assertion.attributes),
  };
}

function inTransaction(db: SamlExecutor, work: (trx: Transaction<Database>) => Promise<void>): Promise<void> {
  return db.isTransaction ? work(db as Transaction<Database>) : db.transaction().execute(work);
}

function within(now: number, skew: number, notBefore: number | null, notOnOrAfter: number | null): boolean {
  if (notBefore !== null && now + skew < notBefore) return false;
  if (notOnOrAfter !== null && now - skew >= notOnOrAfter) return false;
  return true;
}

function guard<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new SamlRefusal("response_malformed", error);
  }
}

/** node-saml reports failures as plain Errors: their messages are the only way to tell them apart. */
function reasonOf(error: unknown): SamlRefusalReason {
  if (error instanceof MalformedSaml) return "response_malformed";
  const message = error instanceof Error ? error.message : String(error);
  if (/audience/i.test(message)) return "audience_mismatch";
  if (/expired|not yet valid/i.test(message)) return "assertion_expired";
  if (/signature|signed|reference|transforms/i.test(message)) return "signature_invalid";
  return "response_malformed";
}
