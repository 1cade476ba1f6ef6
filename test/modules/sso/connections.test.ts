import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SSO_SECRETS_PURPOSE } from "../../../src/modules/sso/index.ts";
import { secretSealer } from "../../../src/platform/crypto/secret-sealer.ts";
import { TEST_ENCRYPTION_KEY } from "../../helpers/config.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness, ORIGIN } from "../../helpers/identity.ts";
import { generateKeyPair } from "../../helpers/saml-idp.ts";
import { createCompany, joinDirectly, newUser, type SignedIn } from "../../helpers/tenancy.ts";

const SECRET = "s3cr3t-client-secret-value-WXYZ";

for (const engine of await enginesUnderTest()) {
  describe(`a company's SSO connections (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let owner: SignedIn;
    let admin: SignedIn;
    let manager: SignedIn;
    let company: { id: string };
    const base = () => `/api/v1/companies/${company.id}/sso/connections`;
    const oidc = { issuer: "https://idp.example.com/oauth2/default", clientId: "client-123", clientSecret: SECRET };

    before(async () => {
      h = await identityHarness(engine, { ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
      owner = await newUser(h, "conn-owner");
      company = await createCompany(h.app, owner, `conn-${Date.now()}`);
      admin = await newUser(h, "conn-admin");
      manager = await newUser(h, "conn-manager");
      await joinDirectly(h, company.id, admin, "admin");
      await joinDirectly(h, company.id, manager, "manager");
    });
    after(() => h.close());

    it("an admin creates an OIDC connection; the secret is sealed at rest and only a hint comes back", async () => {
      const res = await h.app.inject({
        method: "POST",
        url: base(),
        headers: admin.headers,
        payload: {
          name: "Okta",
          protocol: "oidc",
          oidc,
          mapping: { groupsClaim: "roles", roles: { Engineering: "admin" }, defaultRole: "viewer" },
          sessionMaxAgeS: 28_800,
        },
      });
      assert.equal(res.statusCode, 201, res.body);
      const body = res.json();
      assert.doesNotMatch(res.body, new RegExp(SECRET));
      assert.equal(body.oidc.clientSecretHint, "…WXYZ");
      assert.deepEqual(body.oidc.scopes, ["openid", "email", "profile"]);
      assert.equal(body.oidc.redirectUri, "http://localhost:3000/api/v1/auth/sso/oidc/callback");
      assert.deepEqual(body.mapping, {
        emailClaim: "email",
        emailVerifiedClaim: "email_verified",
        nameClaim: "name",
        groupsClaim: "roles",
        roles: { Engineering: "admin" },
        defaultRole: "viewer",
      });
      assert.equal(body.sessionMaxAgeS, 28_800);
      assert.equal(body.enabled, true);
      assert.equal(body.saml, null);
      const row = await h.database.handle.db
        .selectFrom("sso_connections")
        .selectAll()
        .where("id", "=", body.id)
        .executeTakeFirstOrThrow();
      assert.ok(row.oidc_client_secret_sealed);
      assert.ok(!row.oidc_client_secret_sealed.includes(SECRET));
      // Sealed under ENCRYPTION_KEY for this purpose (so `rampart keys rotate-encryption` re-seals it).
      assert.equal(
        secretSealer([TEST_ENCRYPTION_KEY], SSO_SECRETS_PURPOSE).unseal(row.oidc_client_secret_sealed),
        SECRET,
      );
      assert.throws(() =>
        secretSealer([TEST_ENCRYPTION_KEY], "webhook-secrets").unseal(row.oidc_client_secret_sealed as string),
      );

      const listed = await h.app.inject({ method: "GET", url: base(), headers: owner.headers });
      assert.equal(listed.statusCode, 200);
      assert.equal(listed.json().items.length, 1);
      assert.doesNotMatch(listed.body, new RegExp(SECRET));
    });

    it("update, disable, enable, delete; every change is in the company's audit trail without the secret", async () => {
      const created = await h.app.inject({
        method: "POST",
        url: base(),
        headers: owner.headers,
        payload: { name: "Entra", protocol: "oidc", oidc },
      });
      const id = created.json().id as string;
      const patched = await h.app.inject({
        method: "PATCH",
        url: `${base()}/${id}`,
        headers: owner.headers,
        payload: {
          name: "Entra ID",
          oidc: { clientSecret: "rotated-secret-value-ABCD" },
          mapping: { defaultRole: "manager" },
        },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.json().name, "Entra ID");
      assert.equal(patched.json().oidc.clientSecretHint, "…ABCD");
      assert.equal(patched.json().mapping.defaultRole, "manager");
      assert.equal(patched.json().mapping.groupsClaim, "groups", "unchanged settings stay");

      const off = await h.app.inject({ method: "POST", url: `${base()}/${id}/disable`, headers: owner.headers });
      assert.equal(off.json().enabled, false);
      const on = await h.app.inject({ method: "POST", url: `${base()}/${id}/enable`, headers: owner.headers });
      assert.equal(on.json().enabled, true);
      const gone = await h.app.inject({ method: "DELETE", url: `${base()}/${id}`, headers: owner.headers });
      assert.equal(gone.statusCode, 204);
      const missing = await h.app.inject({ method: "GET", url: `${base()}/${id}`, headers: owner.headers });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, "sso.connection_not_found");

      const events = await h.database.handle.db
        .selectFrom("audit_events")
        .select(["action", "metadata"])
        .where("target_id", "=", id)
        .orderBy("seq")
        .execute();
      assert.deepEqual(
        events.map((e) => e.action),
        [
          "sso_connection.created",
          "sso_connection.updated",
          "sso_connection.updated",
          "sso_connection.updated",
          "sso_connection.deleted",
        ],
      );
      assert.doesNotMatch(JSON.stringify(events), /rotated-secret-value|s3cr3t/);
    });

    it("a SAML connection stores the IdP's settings for the SAML service provider", async () => {
      const certificate = generateKeyPair().certificate;
      const res = await h.app.inject({
        method: "POST",
        url: base(),
        headers: owner.headers,
        payload: {
          name: "ADFS",
          protocol: "saml",
          saml: {
            idpEntityId: "https://idp.example.com/saml",
            idpSsoUrl: "https://idp.example.com/saml/sso",
            idpCertificates: [certificate],
            spEntityId: "https://rampart.example.com/sp/acme",
            settings: { allowIdpInitiated: false },
          },
          mapping: { emailClaim: "urn:oid:0.9.2342.19200300.100.1.3" },
        },
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().oidc, null);
      assert.deepEqual(res.json().saml, {
        idpEntityId: "https://idp.example.com/saml",
        idpSsoUrl: "https://idp.example.com/saml/sso",
        idpCertificates: [certificate],
        hasMetadataXml: false,
        spEntityId: "https://rampart.example.com/sp/acme",
        settings: { allowIdpInitiated: false },
        sp: {
          entityId: "https://rampart.example.com/sp/acme",
          acsUrl: `${ORIGIN}/api/v1/auth/sso/saml/${res.json().id}/acs`,
          metadataUrl: `${ORIGIN}/api/v1/auth/sso/saml/${res.json().id}/metadata`,
        },
      });
    });

    it("bad settings are 422 problems, never 500s", async () => {
      const cases = [
        { name: "x", protocol: "oidc" },
        { name: "x", protocol: "oidc", oidc: { ...oidc, issuer: "http://idp.example.com" } },
        { name: "x", protocol: "oidc", oidc: { ...oidc, issuer: "https://idp.example.com/?q=1" } },
        { name: "x", protocol: "oidc", oidc, saml: { idpEntityId: "e" } },
        { name: "x", protocol: "saml" },
        { name: "x", protocol: "saml", saml: { idpEntityId: "e", idpSsoUrl: "https://idp.example.com/sso" } },
        {
          name: "x",
          protocol: "saml",
          saml: { idpEntityId: "e", idpSsoUrl: "https://idp.example.com/sso", idpCertificates: ["MIIC...base64"] },
        },
        { name: "x", protocol: "saml", saml: { idpMetadataXml: "<not-metadata/>" } },
        { name: "x", protocol: "saml", saml: { idpMetadataXml: "<!DOCTYPE x><x/>" } },
        { name: "x", protocol: "ldap", oidc },
        { name: "x", protocol: "oidc", oidc, mapping: { defaultRole: "owner" } },
        { name: "x", protocol: "oidc", oidc, mapping: { roles: { admins: "owner" } } },
        { name: "x", protocol: "oidc", oidc, sessionMaxAgeS: 5 },
      ];
      for (const payload of cases) {
        const res = await h.app.inject({ method: "POST", url: base(), headers: owner.headers, payload });
        assert.equal(res.statusCode, 422, `${JSON.stringify(payload)} → ${res.body}`);
      }
    });

    it("members below admin may not manage connections; another company's caller sees nothing", async () => {
      const byManager = await h.app.inject({
        method: "POST",
        url: base(),
        headers: manager.headers,
        payload: { name: "x", protocol: "oidc", oidc },
      });
      assert.equal(byManager.statusCode, 403);
      assert.equal((await h.app.inject({ method: "GET", url: base(), headers: manager.headers })).statusCode, 403);
      const stranger = await newUser(h, "stranger");
      assert.equal((await h.app.inject({ method: "GET", url: base(), headers: stranger.headers })).statusCode, 404);
    });
  });
}
