import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { identityHarness, ORIGIN } from "../../helpers/identity.ts";
import { createTestIdp, readSpMetadata } from "../../helpers/saml-idp.ts";
import { createCompany, newUser } from "../../helpers/tenancy.ts";
import { FORM, person, type SamlWorld, samlWorld } from "./saml-fixture.ts";

// A SAML connection's public endpoints and settings through the API: the SP metadata, the
// checks on every change, IdP metadata by URL (SSRF-guarded), and refusals of bad ids and
// bodies as 4xx problems.

for (const engine of await enginesUnderTest()) {
  describe(`SAML connections and their endpoints (${engine.engine})`, { skip: engine.skip }, () => {
    let w: SamlWorld;
    before(async () => {
      w = await samlWorld(engine);
    });
    after(() => w.close());

    it("the SP metadata names the connection's entity id and ACS URL under PUBLIC_APP_URL, readable by samlify", async () => {
      const res = await w.h.app.inject({ method: "GET", url: `/api/v1/auth/sso/saml/${w.connection.id}/metadata` });
      assert.match(String(res.headers["content-type"]), /^application\/samlmetadata\+xml/);
      const sp = readSpMetadata(res.body);
      assert.equal(sp.entityId, `${ORIGIN}/api/v1/auth/sso/saml/${w.connection.id}/metadata`);
      assert.equal(sp.acsUrl, `${ORIGIN}/api/v1/auth/sso/saml/${w.connection.id}/acs`);
      assert.equal(sp.wantAssertionsSigned, true);
      // The connection shows what was imported from the IdP's metadata.
      const view = await w.h.app.inject({
        method: "GET",
        url: `${w.connectionsUrl}/${w.connection.id}`,
        headers: w.owner.headers,
      });
      const saml = (
        view.json() as {
          saml: {
            idpEntityId: string;
            idpSsoUrl: string;
            hasMetadataXml: boolean;
            sp: { entityId: string; acsUrl: string; metadataUrl: string };
          };
        }
      ).saml;
      assert.deepEqual(saml.sp, { entityId: sp.entityId, acsUrl: sp.acsUrl, metadataUrl: sp.entityId });
      assert.equal(saml.idpEntityId, w.idp.entityId);
      assert.equal(saml.idpSsoUrl, w.idp.ssoUrl);
      assert.equal(saml.hasMetadataXml, true);
    });

    it("a disabled connection signs nobody in; a deleted one is 404; a bad connection id is a 4xx problem", async () => {
      const spare = await w.connect(w.idp.metadata(), "Spare");
      const email = `dan@${w.domain}`;
      const startedTest = await w.h.app.inject({
        method: "POST",
        url: `${w.connectionsUrl}/${spare.id}/test`,
        headers: w.owner.headers,
      });
      const requestId = (
        await w.idp.readAuthnRequest((startedTest.json() as { testUrl: string }).testUrl, spare.metadataXml)
      ).id;
      const patched = await w.h.app.inject({
        method: "PATCH",
        url: `${w.connectionsUrl}/${spare.id}`,
        headers: w.owner.headers,
        payload: { enabled: false, saml: { settings: { allowIdpInitiated: true } } },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      const unsolicited = await w.idp.respond(spare.sp, person(email, "Dan", []));
      const disabled = await w.acs(spare.id, unsolicited);
      assert.equal(disabled.statusCode, 403, disabled.body);
      assert.equal(disabled.json().code, "sso.connection_disabled");
      // The owner's test still reports on a disabled connection (configure, test, then enable).
      const tested = await w.acs(
        spare.id,
        await w.idp.respond(spare.sp, { ...person(email, "Dan", []), inResponseTo: requestId }),
      );
      assert.equal(tested.statusCode, 200, tested.body);
      assert.equal(tested.json().dryRun, true);

      const deleted = await w.h.app.inject({
        method: "DELETE",
        url: `${w.connectionsUrl}/${spare.id}`,
        headers: w.owner.headers,
      });
      assert.equal(deleted.statusCode, 204);
      for (const res of [
        await w.acs(spare.id, unsolicited),
        await w.h.app.inject({ method: "GET", url: `/api/v1/auth/sso/saml/${spare.id}/metadata` }),
      ]) {
        assert.equal(res.statusCode, 404, res.body);
        assert.equal(res.json().code, "sso.connection_not_found");
      }
      for (const res of [
        await w.acs("not-a-uuid", unsolicited),
        await w.h.app.inject({ method: "GET", url: "/api/v1/auth/sso/saml/1%27%20or%201=1/metadata" }),
      ]) {
        assert.equal(res.statusCode, 422, res.body);
        assert.equal(res.json().code, "request.validation_failed");
        assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
      }
    });

    it("bad ACS bodies are 4xx problems, never 500s", async () => {
      const url = `/api/v1/auth/sso/saml/${w.connection.id}/acs`;
      const malformed = [401, "saml.response_malformed"] as const;
      const invalid = [422, "request.validation_failed"] as const;
      const cases = [
        { headers: FORM, payload: "", expected: invalid },
        { headers: FORM, payload: "RelayState=x", expected: invalid },
        { headers: FORM, payload: "SAMLResponse=%%%", expected: malformed },
        { headers: FORM, payload: "SAMLResponse=bm90IHhtbA%3D%3D", expected: malformed },
        { headers: FORM, payload: "SAMLResponse=a&SAMLResponse=b", expected: [400, "request.invalid"] },
        { headers: FORM, payload: "SAMLResponse=a&Other=b", expected: invalid },
        {
          headers: { ...FORM, "content-type": "text/plain" },
          payload: "SAMLResponse=a",
          expected: [415, "request.unsupported_media_type"],
        },
        { headers: FORM, payload: `SAMLResponse=${"A".repeat(300 * 1024)}`, expected: malformed },
      ];
      for (const c of cases) {
        const res = await w.h.app.inject({ method: "POST", url, headers: c.headers, payload: c.payload });
        assert.deepEqual([res.statusCode, res.json().code], c.expected, `${c.payload.slice(0, 40)} → ${res.body}`);
        assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
      }
    });

    it("SAML settings are checked at every change: 422 problems naming the field, the connection unchanged", async () => {
      const url = `${w.connectionsUrl}/${w.connection.id}`;
      const cases: [Record<string, unknown>, string, string][] = [
        [{ settings: { clockSkewMs: 3_600_000 } }, "saml.invalid_settings", "/body/saml/settings/clockSkewMs"],
        [{ settings: { allowIdpInitiated: "yes" } }, "saml.invalid_settings", "/body/saml/settings/allowIdpInitiated"],
        [
          { settings: { wantAssertionsSigned: false } },
          "saml.invalid_settings",
          "/body/saml/settings/wantAssertionsSigned",
        ],
        [{ idpCertificates: ["not a certificate"] }, "saml.invalid_settings", "/body/saml/idpCertificates/0"],
        [{ idpMetadataXml: "<x/>" }, "saml.invalid_metadata", "/body/saml/idpMetadataXml"],
      ];
      for (const [saml, code, path] of cases) {
        const res = await w.h.app.inject({ method: "PATCH", url, headers: w.owner.headers, payload: { saml } });
        assert.equal(res.statusCode, 422, `${JSON.stringify(saml)} → ${res.body}`);
        assert.equal(res.json().code, code);
        assert.equal(res.json().errors[0].path, path);
      }
      const unchanged = await w.h.app.inject({ method: "GET", url, headers: w.owner.headers });
      const saml = (unchanged.json() as { saml: { settings: Record<string, unknown>; idpCertificates: string[] } })
        .saml;
      assert.deepEqual(saml.settings, {});
      assert.equal(saml.idpCertificates.length, 1);
    });

    it("IdP metadata by URL is fetched, but a private or loopback address is refused (SSRF)", async () => {
      const server: Server = createServer((_req, res) => {
        res.writeHead(200, { "content-type": "application/samlmetadata+xml" }).end(w.idp.metadata());
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const res = await w.h.app.inject({
          method: "POST",
          url: w.connectionsUrl,
          headers: w.owner.headers,
          payload: { name: "By URL", protocol: "saml", saml: { metadataUrl: `http://127.0.0.1:${port}/metadata` } },
        });
        assert.equal(res.statusCode, 422, res.body);
        assert.equal(res.json().code, "saml.invalid_metadata");
        assert.equal(res.json().errors[0].path, "/body/saml/metadataUrl");
        const metadataService = await w.h.app.inject({
          method: "POST",
          url: w.connectionsUrl,
          headers: w.owner.headers,
          payload: {
            name: "By URL",
            protocol: "saml",
            saml: { metadataUrl: "http://169.254.169.254/latest/meta-data" },
          },
        });
        assert.equal(metadataService.statusCode, 422, metadataService.body);
      } finally {
        server.close();
      }
    });
  });
}

describe("SAML metadata by URL where private addresses are allowed (local development)", () => {
  it("fetches the IdP's metadata from the URL and imports it", async () => {
    const [engine] = await enginesUnderTest();
    assert.ok(engine);
    const idp = createTestIdp();
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/samlmetadata+xml" }).end(idp.metadata());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const h = await identityHarness(engine, { SSO_ALLOW_INSECURE_ISSUERS: "true" });
    try {
      const owner = await newUser(h, "saml-url-owner");
      const company = await createCompany(h.app, owner, `samlurl-${Date.now().toString(36)}`);
      const { port } = server.address() as AddressInfo;
      const res = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${company.id}/sso/connections`,
        headers: owner.headers,
        payload: { name: "By URL", protocol: "saml", saml: { metadataUrl: `http://127.0.0.1:${port}/metadata` } },
      });
      assert.equal(res.statusCode, 201, res.body);
      const saml = (res.json() as { saml: { idpEntityId: string; idpSsoUrl: string; idpCertificates: string[] } }).saml;
      assert.equal(saml.idpEntityId, idp.entityId);
      assert.equal(saml.idpSsoUrl, idp.ssoUrl);
      assert.equal(saml.idpCertificates.length, 1);
    } finally {
      await h.close();
      server.close();
    }
  });
});
