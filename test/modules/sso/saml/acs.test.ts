import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  consumeSamlResponse,
  type SamlConnectionSettings,
  type SamlDeps,
  SamlRefusal,
  samlSettings,
  samlSpMetadata,
  startSamlSignIn,
} from "../../../../src/modules/sso/saml/index.ts";
import { newId } from "../../../../src/platform/db/ids.ts";
import { TestClock } from "../../../helpers/clock.ts";
import { enginesUnderTest, type TestDatabase } from "../../../helpers/database.ts";
import {
  createTestIdp,
  decodeResponse,
  encodeResponse,
  generateKeyPair,
  type SpView,
  type TestIdp,
} from "../../../helpers/saml-idp.ts";

// Rampart's SAML SP (node-saml plus its own checks) against samlify as the IdP, on both
// engines. Each refusal names its reason: a test that only saw "refused" could pass for the
// wrong reason (an expired assertion refused as "bad signature" would hide a missing check).

const SP: SpView = {
  entityId: "https://rampart.test/sso/saml/c1",
  acsUrl: "https://rampart.test/api/v1/auth/sso/saml/c1/acs",
};
const GROUPS = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups";

async function refused(promise: Promise<unknown>, reason: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof SamlRefusal, `expected a SamlRefusal, got ${String(error)}`);
    assert.equal(error.reason, reason, `refused as ${error.reason} (${String((error as Error).cause ?? "")})`);
    assert.equal(error.status, 401);
    assert.equal(error.code, `saml.${reason}`);
    return true;
  });
}

for (const engine of await enginesUnderTest()) {
  describe(`SAML ACS against a samlify IdP (${engine.engine})`, { skip: engine.skip }, () => {
    let database: TestDatabase;
    let deps: SamlDeps;
    let idp: TestIdp;
    let settings: SamlConnectionSettings;
    const connectionId = newId();

    before(async () => {
      database = await engine.create();
      deps = { db: database.handle.db, clock: new TestClock() };
      idp = createTestIdp();
      settings = samlSettings({
        spEntityId: SP.entityId,
        acsUrl: SP.acsUrl,
        idpEntityId: idp.entityId,
        idpSsoUrl: idp.ssoUrl,
        idpCertificates: [idp.keys.certificate],
        attributes: { email: "email", name: "displayName", groups: GROUPS },
      });
    });
    after(() => database.drop());

    /** An SP-initiated start whose AuthnRequest samlify parsed: the id the IdP answers. */
    async function started(s = settings): Promise<string> {
      const start = await startSamlSignIn(deps, connectionId, s, { relayState: "rs-1" });
      assert.equal(new URL(start.redirectUrl).searchParams.get("RelayState"), "rs-1");
      const request = await idp.readAuthnRequest(start.redirectUrl, await samlSpMetadata(s));
      assert.equal(request.id, start.requestId);
      // The AuthnRequest names Rampart's entity id and ACS URL, as samlify read them.
      assert.match(request.xml, new RegExp(`AssertionConsumerServiceURL="${s.acsUrl}"`));
      assert.match(request.xml, new RegExp(`<saml:Issuer[^>]*>${s.spEntityId}</saml:Issuer>`));
      return start.requestId;
    }

    const user = {
      nameId: "ada@example.com",
      attributes: { email: ["ada@example.com"], displayName: ["Ada Lovelace"], [GROUPS]: ["engineers", "admins"] },
    };

    it("a valid SP-initiated login maps NameID, email, name and every group", async () => {
      const requestId = await started();
      const response = await idp.respond(SP, { ...user, inResponseTo: requestId });
      const signIn = await consumeSamlResponse(deps, connectionId, settings, response);
      assert.deepEqual(signIn.identity, {
        subject: "ada@example.com",
        email: "ada@example.com",
        emailVerified: true,
        name: "Ada Lovelace",
        groups: ["engineers", "admins"],
      });
      assert.equal(signIn.requestId, requestId);
      assert.deepEqual(signIn.attributes.displayName, ["Ada Lovelace"]);
    });

    it("refuses a response with no signature at all", async () => {
      const requestId = await started();
      const response = await idp.respond(SP, { ...user, inResponseTo: requestId, sign: "none" });
      await refused(consumeSamlResponse(deps, connectionId, settings, response), "signature_invalid");
    });

    it("refuses an unsigned assertion inside a signed response when signed assertions are required", async () => {
      const requestId = await started();
      const response = await idp.respond(SP, { ...user, inResponseTo: requestId, sign: "response" });
      await refused(consumeSamlResponse(deps, connectionId, settings, response), "signature_invalid");
      // The same shape is accepted once the owner says the IdP signs the response instead.
      const responseSigned = samlSettings({ ...settings, wantAssertionsSigned: false, wantAuthnResponseSigned: true });
      const again = await started(responseSigned);
      const ok = await idp.respond(SP, { ...user, inResponseTo: again, sign: "response" });
      const signIn = await consumeSamlResponse(deps, connectionId, responseSigned, ok);
      assert.equal(signIn.identity.email, "ada@example.com");
    });

    it("refuses a response signed by another key under the same entity id", async () => {
      const impostor = createTestIdp({ entityId: idp.entityId });
      const requestId = await started();
      const response = await impostor.respond(SP, { ...user, inResponseTo: requestId, sign: "both" });
      await refused(consumeSamlResponse(deps, connectionId, settings, response), "signature_invalid");
    });

    it("refuses an assertion for another audience", async () => {
      const requestId = await started();
      const response = await idp.respond(SP, { ...user, inResponseTo: requestId, audience: "https://other.test/sp" });
      await refused(consumeSamlResponse(deps, connectionId, settings, response), "audience_mismatch");
    });

    it("refuses an assertion past NotOnOrAfter beyond the clock skew, and accepts one within it", async () => {
      const requestId = await started();
      const expired = await idp.respond(SP, {
        ...user,
        inResponseTo: requestId,
        notBeforeMs: -10 * 60_000,
        notOnOrAfterMs: -(settings.clockSkewMs + 5_000),
      });
      await refused(consumeSamlResponse(deps, connectionId, settings, expired), "assertion_expired");
      const withinSkew = await idp.respond(SP, {
        ...user,
        inResponseTo: requestId,
        notBeforeMs: -10 * 60_000,
        notOnOrAfterMs: -(settings.clockSkewMs - 20_000),
      });
      const signIn = await consumeSamlResponse(deps, connectionId, settings, withinSkew);
      assert.equal(signIn.requestId, requestId);
    });

    it("refuses an assertion addressed to another ACS (Recipient) or sent to another Destination", async () => {
      const requestId = await started();
      const recipient = await idp.respond(SP, { ...user, inResponseTo: requestId, recipient: "https://evil.test/acs" });
      await refused(consumeSamlResponse(deps, connectionId, settings, recipient), "recipient_mismatch");
      const destination = await idp.respond(SP, {
        ...user,
        inResponseTo: requestId,
        destination: "https://evil.test/acs",
      });
      await refused(consumeSamlResponse(deps, connectionId, settings, destination), "recipient_mismatch");
    });

    it("refuses an assertion issued by another entity id, even signed with the trusted key", async () => {
      const requestId = await started();
      const response = await idp.respond(SP, { ...user, inResponseTo: requestId, issuer: "https://other-idp.test" });
      await refused(consumeSamlResponse(deps, connectionId, settings, response), "issuer_mismatch");
    });

    it("refuses the same response twice: the assertion id is spent", async () => {
      const requestId = await started();
      const response = await idp.respond(SP, { ...user, inResponseTo: requestId });
      await consumeSamlResponse(deps, connectionId, settings, response);
      await refused(consumeSamlResponse(deps, connectionId, settings, response), "assertion_replayed");
    });

    it("refuses an InResponseTo that is unknown, of another connection, or already answered", async () => {
      const unknown = await idp.respond(SP, { ...user, inResponseTo: "_never-sent" });
      await refused(consumeSamlResponse(deps, connectionId, settings, unknown), "in_response_to_invalid");

      const requestId = await started();
      const otherConnection = await idp.respond(SP, { ...user, inResponseTo: requestId });
      await refused(consumeSamlResponse(deps, newId(), settings, otherConnection), "in_response_to_invalid");

      // The refusal above spent nothing: the request is still answerable here, once.
      await consumeSamlResponse(
        deps,
        connectionId,
        settings,
        await idp.respond(SP, { ...user, inResponseTo: requestId }),
      );
      const second = await idp.respond(SP, { ...user, inResponseTo: requestId });
      await refused(consumeSamlResponse(deps, connectionId, settings, second), "in_response_to_invalid");
    });

    it("refuses a response whose envelope InResponseTo differs from the signed one", async () => {
      const requestId = await started();
      const other = await started();
      const response = await idp.respond(SP, { ...user, inResponseTo: requestId });
      // Only the envelope's (the first) InResponseTo changes; the signed assertion's stays.
      const tampered = decodeResponse(response).replace(`InResponseTo="${requestId}">`, `InResponseTo="${other}">`);
      assert.ok(tampered !== decodeResponse(response), "the envelope was not changed");
      await refused(
        consumeSamlResponse(deps, connectionId, settings, encodeResponse(tampered)),
        "in_response_to_invalid",
      );
    });

    it("refuses an expired request id", async () => {
      const requestId = await started();
      (deps.clock as TestClock).advance(11 * 60);
      try {
        const response = await idp.respond(SP, {
          ...user,
          inResponseTo: requestId,
          notOnOrAfterMs: 20 * 60_000,
        });
        await refused(consumeSamlResponse(deps, connectionId, settings, response), "in_response_to_invalid");
      } finally {
        (deps.clock as TestClock).advance(-11 * 60);
      }
    });

    it("refuses IdP-initiated sign-in by default and accepts it when the connection allows it", async () => {
      const unsolicited = await idp.respond(SP, user);
      await refused(consumeSamlResponse(deps, connectionId, settings, unsolicited), "idp_initiated_refused");
      // The refusal spent nothing; allowed, the same response is accepted — once.
      const allowing = samlSettings({ ...settings, allowIdpInitiated: true });
      const signIn = await consumeSamlResponse(deps, connectionId, allowing, unsolicited);
      assert.equal(signIn.requestId, null);
      assert.equal(signIn.identity.email, "ada@example.com");
      await refused(consumeSamlResponse(deps, connectionId, allowing, unsolicited), "assertion_replayed");
      // Allowing unsolicited responses does not make an unknown InResponseTo acceptable.
      const unknown = await idp.respond(SP, { ...user, inResponseTo: "_never-sent" });
      await refused(consumeSamlResponse(deps, connectionId, allowing, unknown), "in_response_to_invalid");
    });

    it("accepts either certificate during a rotation and neither once both are replaced", async () => {
      const next = generateKeyPair("rotated-idp");
      const rotated = createTestIdp({ entityId: idp.entityId, keys: next });
      const both = samlSettings({ ...settings, idpCertificates: [idp.keys.certificate, next.certificate] });
      for (const signer of [idp, rotated]) {
        const requestId = await started(both);
        const signIn = await consumeSamlResponse(
          deps,
          connectionId,
          both,
          await signer.respond(SP, { ...user, inResponseTo: requestId }),
        );
        assert.equal(signIn.identity.subject, "ada@example.com");
      }
      const onlyNew = samlSettings({ ...settings, idpCertificates: [next.certificate] });
      const requestId = await started(onlyNew);
      const old = await idp.respond(SP, { ...user, inResponseTo: requestId });
      await refused(consumeSamlResponse(deps, connectionId, onlyNew, old), "signature_invalid");
    });

    it("refuses a signature-wrapping response: an unsigned assertion added beside the signed one", async () => {
      const requestId = await started();
      const xml = decodeResponse(await idp.respond(SP, { ...user, inResponseTo: requestId }));
      const signed = xml.slice(
        xml.indexOf("<saml:Assertion"),
        xml.indexOf("</saml:Assertion>") + "</saml:Assertion>".length,
      );
      const evil = signed
        .replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, "")
        .replace(/ID="[^"]+"/, 'ID="_evil"')
        .replaceAll("ada@example.com", "mallory@example.com");
      assert.ok(!evil.includes("Signature"));
      // Evil first (where a naive SP reads "the first assertion"), signed one after.
      const wrapped = xml.replace(signed, evil + signed);
      await refused(consumeSamlResponse(deps, connectionId, settings, encodeResponse(wrapped)), "signature_invalid");
    });

    it("refuses a signature-wrapping response: the signed assertion moved into Extensions, an unsigned one in its place", async () => {
      const requestId = await started();
      const xml = decodeResponse(await idp.respond(SP, { ...user, inResponseTo: requestId }));
      const signed = xml.slice(
        xml.indexOf("<saml:Assertion"),
        xml.indexOf("</saml:Assertion>") + "</saml:Assertion>".length,
      );
      const evil = signed
        .replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, "")
        .replace(/ID="[^"]+"/, 'ID="_evil"')
        .replaceAll("ada@example.com", "mallory@example.com");
      const moved = xml
        .replace(signed, evil)
        .replace("<samlp:Status>", `<samlp:Extensions>${signed}</samlp:Extensions><samlp:Status>`);
      await refused(consumeSamlResponse(deps, connectionId, settings, encodeResponse(moved)), "signature_invalid");
    });

    it("reads a NameID with an injected XML comment whole, never truncated at the comment", async () => {
      const crafted = "user@evil.com.example.com";
      const nameIdSettings = samlSettings({ ...settings, attributes: { groups: GROUPS } });
      const requestId = await started(nameIdSettings);
      const xml = decodeResponse(await idp.respond(SP, { nameId: crafted, inResponseTo: requestId }));
      // The comment does not change the canonical form the signature covers: still valid.
      const injected = xml.replace(`>${crafted}<`, ">user@evil.com<!---->.example.com<");
      assert.ok(injected !== xml, "the comment was not injected");
      const signIn = await consumeSamlResponse(deps, connectionId, nameIdSettings, encodeResponse(injected));
      assert.equal(signIn.identity.subject, crafted);
      assert.equal(signIn.identity.email, crafted);
    });

    it("refuses garbage, non-SAML XML and a DOCTYPE as malformed", async () => {
      for (const body of [
        "not base64 !",
        encodeResponse("<html/>"),
        encodeResponse(
          '<!DOCTYPE r [<!ENTITY x "y">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>',
        ),
      ]) {
        await refused(consumeSamlResponse(deps, connectionId, settings, body), "response_malformed");
      }
    });

    it("refuses a response in which the IdP reports a failure (no assertion)", async () => {
      const failure = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_f1" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${SP.acsUrl}"><saml:Issuer>${idp.entityId}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/></samlp:StatusCode></samlp:Status></samlp:Response>`;
      await refused(consumeSamlResponse(deps, connectionId, settings, encodeResponse(failure)), "idp_refused");
    });

    it("refuses an assertion without the configured email attribute", async () => {
      const requestId = await started();
      const response = await idp.respond(SP, { nameId: "ada@example.com", inResponseTo: requestId, attributes: {} });
      await refused(consumeSamlResponse(deps, connectionId, settings, response), "email_missing");
    });
  });
}
