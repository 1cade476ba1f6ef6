import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import {
  consumeSamlResponse,
  fetchIdpMetadata,
  MAX_CLOCK_SKEW_MS,
  parseIdpMetadata,
  samlSettings,
  samlSpMetadata,
  startSamlSignIn,
} from "../../../../src/modules/sso/saml/index.ts";
import { systemClock } from "../../../../src/platform/clock.ts";
import { newId } from "../../../../src/platform/db/ids.ts";
import { ValidationError } from "../../../../src/platform/errors/app-error.ts";
import { enginesUnderTest } from "../../../helpers/database.ts";
import { createTestIdp, generateKeyPair, readSpMetadata } from "../../../helpers/saml-idp.ts";

const SP = {
  spEntityId: "https://rampart.test/sso/saml/c3",
  acsUrl: "https://rampart.test/api/v1/auth/sso/saml/c3/acs",
};
const idp = createTestIdp();

/** Asserts a 422 problem with `code`, naming `path` in its errors. */
function invalid(run: () => unknown, code: string, path: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ValidationError, String(error));
    assert.equal(error.status, 422);
    assert.equal(error.code, code);
    assert.ok(
      error.errors?.some((e) => e.path === path),
      `expected an error at ${path}, got ${JSON.stringify(error.errors)}`,
    );
    return true;
  });
}

const certBody = (pem: string) => pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");

function idpMetadata(parts: { sso?: string; keys?: string; wantSigned?: string; root?: string }): string {
  const keys =
    parts.keys ??
    `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody(idp.keys.certificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
  const sso =
    parts.sso ??
    '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/>';
  return `<md:${parts.root ?? "EntityDescriptor"} xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.example/entity"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"${parts.wantSigned ? ` WantAuthnRequestsSigned="${parts.wantSigned}"` : ""}>${keys}${sso}</md:IDPSSODescriptor></md:${parts.root ?? "EntityDescriptor"}>`;
}

describe("IdP metadata import", () => {
  it("reads samlify's own IdP metadata into settings that verify its signatures", async () => {
    const imported = parseIdpMetadata(idp.metadata());
    assert.equal(imported.idpEntityId, idp.entityId);
    assert.equal(imported.idpSsoUrl, idp.ssoUrl);
    assert.equal(imported.idpCertificates.length, 1);
    assert.equal(certBody(imported.idpCertificates[0] ?? ""), certBody(idp.keys.certificate));

    const [sqlite] = await enginesUnderTest();
    assert.ok(sqlite);
    const database = await sqlite.create();
    try {
      const deps = { db: database.handle.db, clock: systemClock };
      const settings = samlSettings({ ...SP, ...imported });
      const connectionId = newId();
      const { requestId } = await startSamlSignIn(deps, connectionId, settings);
      const sp = { entityId: SP.spEntityId, acsUrl: SP.acsUrl };
      const signIn = await consumeSamlResponse(
        deps,
        connectionId,
        settings,
        await idp.respond(sp, { nameId: "lin@example.com", inResponseTo: requestId }),
      );
      assert.equal(signIn.identity.email, "lin@example.com");
    } finally {
      await database.drop();
    }
  });

  it("keeps every signing certificate (a rotation) and ignores encryption-only keys", () => {
    const next = generateKeyPair("next");
    const encryption = generateKeyPair("encryption");
    const key = (use: string | null, pem: string) =>
      `<md:KeyDescriptor${use ? ` use="${use}"` : ""}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody(pem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
    const imported = parseIdpMetadata(
      idpMetadata({
        keys:
          key("signing", idp.keys.certificate) +
          key(null, next.certificate) +
          key("encryption", encryption.certificate),
      }),
    );
    assert.deepEqual(imported.idpCertificates.map(certBody), [
      certBody(idp.keys.certificate),
      certBody(next.certificate),
    ]);
    assert.equal(imported.idpEntityId, "https://idp.example/entity");
    assert.equal(imported.idpSsoUrl, "https://idp.example/sso");
  });

  it("refuses metadata Rampart cannot use, naming the field", () => {
    const path = "/body/metadataXml";
    for (const xml of [
      "not xml at all <",
      '<!DOCTYPE x [<!ENTITY a "b">]><x/>',
      idpMetadata({ root: "EntitiesDescriptor" }),
      idpMetadata({ sso: "" }),
      idpMetadata({
        sso: '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example/sso"/>',
      }),
      idpMetadata({ keys: "" }),
      idpMetadata({ wantSigned: "true" }),
    ]) {
      invalid(() => parseIdpMetadata(xml), "saml.invalid_metadata", path);
    }
  });
});

describe("IdP metadata from a URL", () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === "/metadata") {
        res.writeHead(200, { "content-type": "application/samlmetadata+xml" });
        res.end(idp.metadata());
      } else if (req.url === "/slow") {
        setTimeout(() => res.end(idp.metadata()), 2_000);
      } else if (req.url === "/huge") {
        res.writeHead(200, { "content-type": "application/xml" });
        res.end("<x>".padEnd(600 * 1024, " "));
      } else if (req.url === "/redirect") {
        res.writeHead(302, { location: "/metadata" });
        res.end();
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it("fetches and imports the document", async () => {
    const xml = await fetchIdpMetadata(`${base}/metadata`);
    assert.equal(parseIdpMetadata(xml, "/body/metadataUrl").idpEntityId, idp.entityId);
  });

  it("refuses a slow, missing, oversized or redirecting URL, and a non-http one", async () => {
    for (const [url, timeoutMs] of [
      [`${base}/slow`, 200],
      [`${base}/nothing`, 2000],
      [`${base}/huge`, 2000],
      [`${base}/redirect`, 2000],
      ["file:///etc/passwd", 2000],
    ] as const) {
      await assert.rejects(fetchIdpMetadata(url, { timeoutMs }), (error: unknown) => {
        assert.ok(error instanceof ValidationError, `${url}: ${String(error)}`);
        assert.equal(error.code, "saml.invalid_metadata");
        assert.equal(error.errors?.[0]?.path, "/body/metadataUrl");
        return true;
      });
    }
  });
});

describe("SP metadata and connection settings", () => {
  const base = { ...SP, idpEntityId: idp.entityId, idpSsoUrl: idp.ssoUrl, idpCertificates: [idp.keys.certificate] };

  it("SP metadata reads, in samlify, as the entity id, ACS URL and signed-assertion requirement", async () => {
    assert.deepEqual(readSpMetadata(await samlSpMetadata(samlSettings(base))), {
      entityId: SP.spEntityId,
      acsUrl: SP.acsUrl,
      wantAssertionsSigned: true,
    });
  });

  it("defaults to signed assertions, SP-initiated only and a one-minute clock skew", () => {
    const settings = samlSettings(base);
    assert.equal(settings.wantAssertionsSigned, true);
    assert.equal(settings.allowIdpInitiated, false);
    assert.equal(settings.clockSkewMs, 60_000);
    // Bare base64, as consoles hand it out, is kept as PEM.
    const bare = samlSettings({ ...base, idpCertificates: [certBody(idp.keys.certificate)] });
    assert.equal(certBody(bare.idpCertificates[0] ?? ""), certBody(idp.keys.certificate));
    assert.match(bare.idpCertificates[0] ?? "", /^-----BEGIN CERTIFICATE-----\n/);
  });

  it("refuses a clock skew over five minutes, a non-certificate, a non-URL and an empty certificate list", () => {
    invalid(
      () => samlSettings({ ...base, clockSkewMs: MAX_CLOCK_SKEW_MS + 1 }),
      "saml.invalid_settings",
      "/body/clockSkewMs",
    );
    invalid(() => samlSettings({ ...base, clockSkewMs: -1 }), "saml.invalid_settings", "/body/clockSkewMs");
    invalid(
      () => samlSettings({ ...base, idpCertificates: ["bm90IGEgY2VydA=="] }),
      "saml.invalid_settings",
      "/body/idpCertificates/0",
    );
    invalid(() => samlSettings({ ...base, idpCertificates: [] }), "saml.invalid_settings", "/body/idpCertificates");
    invalid(
      () => samlSettings({ ...base, idpSsoUrl: "javascript:alert(1)" }),
      "saml.invalid_settings",
      "/body/idpSsoUrl",
    );
  });
});
