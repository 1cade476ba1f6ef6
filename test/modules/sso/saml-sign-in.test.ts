import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { decodeJwt } from "jose";
import { enginesUnderTest } from "../../helpers/database.ts";
import { startDnsServer, type TestDnsServer } from "../../helpers/dns-server.ts";
import { type IdentityHarness, identityHarness, ORIGIN } from "../../helpers/identity.ts";
import { createTestIdp, readSpMetadata, type SpView, type TestIdp } from "../../helpers/saml-idp.ts";
import { createCompany, newUser, type SignedIn } from "../../helpers/tenancy.ts";
import { uniqueDomain, verifyDomain } from "./fixture.ts";

// SAML single sign-on through Rampart's HTTP API, with samlify as the identity provider: an
// owner connects the IdP from its metadata, verifies a domain, and people sign in through
// discovery → the IdP → the ACS, as a browser would (the form post is what the IdP's page
// submits).

const GROUPS = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups";
const FORM = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };

interface Connection {
  readonly id: string;
  readonly sp: SpView;
  readonly metadataXml: string;
}

for (const engine of await enginesUnderTest()) {
  describe(`SAML single sign-on through the API with a samlify IdP (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let dns: TestDnsServer;
    let idp: TestIdp;
    let owner: SignedIn;
    let company: { id: string; slug: string };
    let domain: string;
    let connection: Connection;

    const connectionsUrl = () => `/api/v1/companies/${company.id}/sso/connections`;
    const acs = (connectionId: string, samlResponse: string, relayState = "") =>
      h.app.inject({
        method: "POST",
        url: `/api/v1/auth/sso/saml/${connectionId}/acs`,
        headers: FORM,
        payload: new URLSearchParams({ SAMLResponse: samlResponse, RelayState: relayState }).toString(),
      });

    /** Creates a SAML connection from `xml` (the IdP's metadata) and reads its SP metadata through the API. */
    async function connect(xml: string, name: string, mapping?: Record<string, unknown>): Promise<Connection> {
      const created = await h.app.inject({
        method: "POST",
        url: connectionsUrl(),
        headers: owner.headers,
        payload: {
          name,
          protocol: "saml",
          saml: { idpMetadataXml: xml },
          mapping: mapping ?? {
            emailClaim: "email",
            nameClaim: "displayName",
            groupsClaim: GROUPS,
            roles: { "eng-admins": "admin", "eng-managers": "manager" },
            defaultRole: "member",
          },
        },
      });
      assert.equal(created.statusCode, 201, created.body);
      const id = (created.json() as { id: string }).id;
      const metadata = await h.app.inject({ method: "GET", url: `/api/v1/auth/sso/saml/${id}/metadata` });
      assert.equal(metadata.statusCode, 200, metadata.body);
      const sp = readSpMetadata(metadata.body);
      return { id, sp: { entityId: sp.entityId, acsUrl: sp.acsUrl }, metadataXml: metadata.body };
    }

    /** Discovery for `email`, then samlify reads the AuthnRequest of the redirect: the id its response answers. */
    async function discover(email: string, c = connection): Promise<string> {
      const res = await h.app.inject({ method: "POST", url: "/api/v1/auth/sso/start", payload: { email } });
      assert.equal(res.statusCode, 200, res.body);
      const { redirectUrl } = res.json() as { redirectUrl: string };
      assert.ok(redirectUrl.startsWith(`${idp.ssoUrl}?`), `discovery sends the browser to the IdP, not ${redirectUrl}`);
      return (await idp.readAuthnRequest(redirectUrl, c.metadataXml)).id;
    }

    const person = (email: string, name: string, groups: string[]) => ({
      nameId: email,
      attributes: { email: [email], displayName: [name], [GROUPS]: groups },
    });

    before(async () => {
      dns = await startDnsServer();
      idp = createTestIdp();
      h = await identityHarness(engine, {
        SSO_DNS_SERVERS: dns.address,
        SSO_DNS_TIMEOUT_MS: "1000",
        SSO_DOMAIN_RECHECK_MS: "0",
      });
      owner = await newUser(h, "saml-owner");
      company = await createCompany(h.app, owner, `saml-${Date.now().toString(36)}`);
      connection = await connect(idp.metadata(), "Samlify");
      domain = uniqueDomain("saml");
      await verifyDomain(h, dns, owner, company.id, domain);
    });
    after(async () => {
      await h.close();
      await dns.close();
    });

    it("the SP metadata names the connection's entity id and ACS URL under PUBLIC_APP_URL, readable by samlify", async () => {
      const res = await h.app.inject({ method: "GET", url: `/api/v1/auth/sso/saml/${connection.id}/metadata` });
      assert.match(String(res.headers["content-type"]), /^application\/samlmetadata\+xml/);
      const sp = readSpMetadata(res.body);
      assert.equal(sp.entityId, `${ORIGIN}/api/v1/auth/sso/saml/${connection.id}/metadata`);
      assert.equal(sp.acsUrl, `${ORIGIN}/api/v1/auth/sso/saml/${connection.id}/acs`);
      assert.equal(sp.wantAssertionsSigned, true);
      // The connection shows what was imported from the IdP's metadata.
      const view = await h.app.inject({
        method: "GET",
        url: `${connectionsUrl()}/${connection.id}`,
        headers: owner.headers,
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
      assert.equal(saml.idpEntityId, idp.entityId);
      assert.equal(saml.idpSsoUrl, idp.ssoUrl);
      assert.equal(saml.hasMetadataXml, true);
    });

    it("discovery → IdP → ACS creates the account and the membership with the mapped role; the session says sso,saml and its connection", async () => {
      const email = `ada@${domain}`;
      const requestId = await discover(email);
      const response = await idp.respond(connection.sp, {
        ...person(email, "Ada Lovelace", ["staff", "eng-admins"]),
        inResponseTo: requestId,
      });
      const res = await acs(connection.id, response);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as { accessToken: string; refreshToken?: string; user: { email: string; name: string } };
      assert.equal(body.refreshToken, undefined, "the refresh token is never in the body");
      assert.equal(body.user.email, email);
      assert.equal(body.user.name, "Ada Lovelace");
      const cookie = [res.headers["set-cookie"]].flat().find((c) => c?.startsWith("rampart_refresh="));
      assert.ok(cookie, "refresh cookie set");
      const claims = decodeJwt(body.accessToken);
      assert.deepEqual(claims.amr, ["sso", "saml"]);

      const members = await h.app.inject({
        method: "GET",
        url: `/api/v1/companies/${company.id}/members`,
        headers: owner.headers,
      });
      const ada = (members.json() as { items: { email: string; role: string }[] }).items.find((m) => m.email === email);
      assert.equal(ada?.role, "admin");
      const session = await h.database.handle.db
        .selectFrom("sessions")
        .select(["sso_connection_id", "amr"])
        .where("id", "=", claims.sid as string)
        .executeTakeFirstOrThrow();
      assert.equal(session.sso_connection_id, connection.id);
      assert.equal(session.amr, "sso,saml");

      // The same response again: the assertion is spent.
      const replay = await acs(connection.id, response);
      assert.equal(replay.statusCode, 401, replay.body);
      assert.equal(replay.json().code, "saml.assertion_replayed");
      assert.match(String(replay.headers["content-type"]), /application\/problem\+json/);
    });

    it("a browser (no JSON accepted) is sent on with 303 to SSO_SIGNED_IN_URL and the refresh cookie", async () => {
      const email = `grace@${domain}`;
      const requestId = await discover(email);
      const response = await idp.respond(connection.sp, { ...person(email, "Grace", []), inResponseTo: requestId });
      const res = await h.app.inject({
        method: "POST",
        url: `/api/v1/auth/sso/saml/${connection.id}/acs`,
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
        payload: new URLSearchParams({ SAMLResponse: response }).toString(),
      });
      assert.equal(res.statusCode, 303, res.body);
      assert.equal(res.headers.location, `${ORIGIN}/sso/signed-in`);
      assert.ok([res.headers["set-cookie"]].flat().some((c) => c?.startsWith("rampart_refresh=")));
      const members = await h.app.inject({
        method: "GET",
        url: `/api/v1/companies/${company.id}/members`,
        headers: owner.headers,
      });
      const grace = (members.json() as { items: { email: string; role: string }[] }).items.find(
        (m) => m.email === email,
      );
      assert.equal(grace?.role, "member", "no mapped group: the default role");
    });

    it("a response for another connection's ACS is refused, and the request it answered stays unspent", async () => {
      const other = await connect(idp.metadata(), "Second");
      const email = `eve@${domain}`;
      const requestId = await discover(email);
      // Signed by the same IdP, addressed to this connection, posted to the other's ACS.
      const response = await idp.respond(connection.sp, { ...person(email, "Eve", []), inResponseTo: requestId });
      const res = await acs(other.id, response);
      assert.equal(res.statusCode, 401, res.body);
      assert.match(res.json().code, /^saml\.(recipient_mismatch|audience_mismatch)$/);
      // Addressed to the other connection but answering this connection's request.
      const crossed = await idp.respond(other.sp, { ...person(email, "Eve", []), inResponseTo: requestId });
      const refused = await acs(other.id, crossed);
      assert.equal(refused.statusCode, 401, refused.body);
      assert.equal(refused.json().code, "saml.in_response_to_invalid");
      const users = await h.database.handle.db.selectFrom("users").select("id").where("email", "=", email).execute();
      assert.equal(users.length, 0, "nobody signed in");
      // The genuine response still works at its own ACS.
      assert.equal((await acs(connection.id, response)).statusCode, 200);
    });

    it("test-connection starts a SAML dry run: the ACS answers the mapping report and creates nothing", async () => {
      const email = `tess@${domain}`;
      const started = await h.app.inject({
        method: "POST",
        url: `${connectionsUrl()}/${connection.id}/test`,
        headers: owner.headers,
      });
      assert.equal(started.statusCode, 200, started.body);
      const { testUrl } = started.json() as { testUrl: string };
      assert.ok(testUrl.startsWith(`${idp.ssoUrl}?`));
      const requestId = (await idp.readAuthnRequest(testUrl, connection.metadataXml)).id;
      // RelayState says "sign_in": the purpose stored with the request decides, not the browser.
      const response = await idp.respond(connection.sp, {
        ...person(email, "Tess", ["eng-managers"]),
        inResponseTo: requestId,
      });
      const res = await acs(connection.id, response, "sign_in");
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {
        dryRun: true,
        connectionId: connection.id,
        subject: email,
        email,
        emailVerified: true,
        name: "Tess",
        groups: ["eng-managers"],
        role: "manager",
        wouldSignIn: true,
        refusal: null,
        accountExists: false,
      });
      assert.equal(res.headers["set-cookie"], undefined, "no session");
      const users = await h.database.handle.db.selectFrom("users").select("id").where("email", "=", email).execute();
      assert.equal(users.length, 0, "no account");
    });

    it("without an email attribute in the mapping, the NameID is the address", async () => {
      const plain = await connect(idp.metadata(), "NameID only", { nameClaim: "displayName" });
      const view = await h.app.inject({
        method: "GET",
        url: `${connectionsUrl()}/${plain.id}`,
        headers: owner.headers,
      });
      assert.equal((view.json() as { mapping: { emailClaim: string } }).mapping.emailClaim, "NameID");
      const started = await h.app.inject({
        method: "POST",
        url: `${connectionsUrl()}/${plain.id}/test`,
        headers: owner.headers,
      });
      const { testUrl } = started.json() as { testUrl: string };
      const requestId = (await idp.readAuthnRequest(testUrl, plain.metadataXml)).id;
      const email = `nia@${domain}`;
      const response = await idp.respond(plain.sp, {
        nameId: email,
        attributes: { displayName: ["Nia"] },
        inResponseTo: requestId,
      });
      const res = await acs(plain.id, response);
      assert.equal(res.statusCode, 200, res.body);
      const report = res.json() as { email: string; name: string; wouldSignIn: boolean };
      assert.equal(report.email, email);
      assert.equal(report.name, "Nia");
      assert.equal(report.wouldSignIn, true);
    });

    it("an unsolicited (IdP-initiated) response is refused unless the connection allows it", async () => {
      const email = `ida@${domain}`;
      const unsolicited = await idp.respond(connection.sp, person(email, "Ida", []));
      const res = await acs(connection.id, unsolicited);
      assert.equal(res.statusCode, 401, res.body);
      assert.equal(res.json().code, "saml.idp_initiated_refused");
    });

    it("a disabled connection signs nobody in; a deleted one is 404; a bad connection id is a 4xx problem", async () => {
      const spare = await connect(idp.metadata(), "Spare");
      const email = `dan@${domain}`;
      const startedTest = await h.app.inject({
        method: "POST",
        url: `${connectionsUrl()}/${spare.id}/test`,
        headers: owner.headers,
      });
      const requestId = (
        await idp.readAuthnRequest((startedTest.json() as { testUrl: string }).testUrl, spare.metadataXml)
      ).id;
      const patched = await h.app.inject({
        method: "PATCH",
        url: `${connectionsUrl()}/${spare.id}`,
        headers: owner.headers,
        payload: { enabled: false, saml: { settings: { allowIdpInitiated: true } } },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      const unsolicited = await idp.respond(spare.sp, person(email, "Dan", []));
      const disabled = await acs(spare.id, unsolicited);
      assert.equal(disabled.statusCode, 403, disabled.body);
      assert.equal(disabled.json().code, "sso.connection_disabled");
      // The owner's test still reports on a disabled connection (configure, test, then enable).
      const tested = await acs(
        spare.id,
        await idp.respond(spare.sp, { ...person(email, "Dan", []), inResponseTo: requestId }),
      );
      assert.equal(tested.statusCode, 200, tested.body);
      assert.equal(tested.json().dryRun, true);

      const deleted = await h.app.inject({
        method: "DELETE",
        url: `${connectionsUrl()}/${spare.id}`,
        headers: owner.headers,
      });
      assert.equal(deleted.statusCode, 204);
      for (const res of [
        await acs(spare.id, unsolicited),
        await h.app.inject({ method: "GET", url: `/api/v1/auth/sso/saml/${spare.id}/metadata` }),
      ]) {
        assert.equal(res.statusCode, 404, res.body);
        assert.equal(res.json().code, "sso.connection_not_found");
      }
      for (const res of [
        await acs("not-a-uuid", unsolicited),
        await h.app.inject({ method: "GET", url: "/api/v1/auth/sso/saml/1%27%20or%201=1/metadata" }),
      ]) {
        assert.equal(res.statusCode, 422, res.body);
        assert.equal(res.json().code, "request.validation_failed");
        assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
      }
    });

    it("bad ACS bodies are 4xx problems, never 500s", async () => {
      const url = `/api/v1/auth/sso/saml/${connection.id}/acs`;
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
        const res = await h.app.inject({ method: "POST", url, headers: c.headers, payload: c.payload });
        assert.deepEqual([res.statusCode, res.json().code], c.expected, `${c.payload.slice(0, 40)} → ${res.body}`);
        assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
      }
    });

    it("IdP metadata by URL is fetched, but a private or loopback address is refused (SSRF)", async () => {
      const server: Server = createServer((_req, res) => {
        res.writeHead(200, { "content-type": "application/samlmetadata+xml" }).end(idp.metadata());
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const res = await h.app.inject({
          method: "POST",
          url: connectionsUrl(),
          headers: owner.headers,
          payload: { name: "By URL", protocol: "saml", saml: { metadataUrl: `http://127.0.0.1:${port}/metadata` } },
        });
        assert.equal(res.statusCode, 422, res.body);
        assert.equal(res.json().code, "saml.invalid_metadata");
        assert.equal(res.json().errors[0].path, "/body/saml/metadataUrl");
        const metadataService = await h.app.inject({
          method: "POST",
          url: connectionsUrl(),
          headers: owner.headers,
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
