import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeJwt } from "jose";
import { enginesUnderTest } from "../../helpers/database.ts";
import { ORIGIN } from "../../helpers/identity.ts";
import { OTHER_BROWSER_COOKIE } from "../../helpers/sso-browser.ts";
import { FORM, person, type SamlWorld, samlWorld } from "./saml-fixture.ts";

// SAML single sign-on through Rampart's HTTP API, with samlify as the identity provider: an
// owner connects the IdP from its metadata, verifies a domain, and people sign in through
// discovery → the IdP → the ACS, as a browser would (the form post is what the IdP's page
// submits).

for (const engine of await enginesUnderTest()) {
  describe(`SAML single sign-on through the API with a samlify IdP (${engine.engine})`, { skip: engine.skip }, () => {
    let w: SamlWorld;
    before(async () => {
      w = await samlWorld(engine);
    });
    after(() => w.close());

    it("discovery → IdP → ACS creates the account and the membership with the mapped role; the session says sso,saml and its connection", async () => {
      const email = `ada@${w.domain}`;
      const requestId = await w.discover(email);
      const response = await w.idp.respond(w.connection.sp, {
        ...person(email, "Ada Lovelace", ["staff", "eng-admins"]),
        inResponseTo: requestId,
      });
      const res = await w.acs(w.connection.id, response);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as { accessToken: string; refreshToken?: string; user: { email: string; name: string } };
      assert.equal(body.refreshToken, undefined, "the refresh token is never in the body");
      assert.equal(body.user.email, email);
      assert.equal(body.user.name, "Ada Lovelace");
      const cookie = [res.headers["set-cookie"]].flat().find((c) => c?.startsWith("rampart_refresh="));
      assert.ok(cookie, "refresh cookie set");
      const claims = decodeJwt(body.accessToken);
      assert.deepEqual(claims.amr, ["sso", "saml"]);

      const members = await w.h.app.inject({
        method: "GET",
        url: `/api/v1/companies/${w.company.id}/members`,
        headers: w.owner.headers,
      });
      const ada = (members.json() as { items: { email: string; role: string }[] }).items.find((m) => m.email === email);
      assert.equal(ada?.role, "admin");
      const session = await w.h.database.handle.db
        .selectFrom("sessions")
        .select(["sso_connection_id", "amr"])
        .where("id", "=", claims.sid as string)
        .executeTakeFirstOrThrow();
      assert.equal(session.sso_connection_id, w.connection.id);
      assert.equal(session.amr, "sso,saml");

      // The same response again: the assertion is spent.
      const replay = await w.acs(w.connection.id, response);
      assert.equal(replay.statusCode, 401, replay.body);
      assert.equal(replay.json().code, "saml.assertion_replayed");
      assert.match(String(replay.headers["content-type"]), /application\/problem\+json/);
    });

    it("a browser (no JSON accepted) is sent on with 303 to SSO_SIGNED_IN_URL and the refresh cookie", async () => {
      const email = `grace@${w.domain}`;
      const requestId = await w.discover(email);
      const response = await w.idp.respond(w.connection.sp, { ...person(email, "Grace", []), inResponseTo: requestId });
      const res = await w.h.app.inject({
        method: "POST",
        url: `/api/v1/auth/sso/saml/${w.connection.id}/acs`,
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
        payload: new URLSearchParams({ SAMLResponse: response }).toString(),
      });
      assert.equal(res.statusCode, 303, res.body);
      assert.equal(res.headers.location, `${ORIGIN}/sso/signed-in`);
      assert.ok([res.headers["set-cookie"]].flat().some((c) => c?.startsWith("rampart_refresh=")));
      const members = await w.h.app.inject({
        method: "GET",
        url: `/api/v1/companies/${w.company.id}/members`,
        headers: w.owner.headers,
      });
      const grace = (members.json() as { items: { email: string; role: string }[] }).items.find(
        (m) => m.email === email,
      );
      assert.equal(grace?.role, "member", "no mapped group: the default role");
    });

    it("a response posted from another browser than the one that started the sign-in is refused (login CSRF), spending nothing", async () => {
      const email = `mallory@${w.domain}`;
      // Started in one browser (the world's); the signed response is posted from another.
      const requestId = await w.discover(email);
      const response = await w.idp.respond(w.connection.sp, {
        ...person(email, "Mallory", []),
        inResponseTo: requestId,
      });
      const elsewhere = await w.h.app.inject({
        method: "POST",
        url: `/api/v1/auth/sso/saml/${w.connection.id}/acs`,
        headers: { ...FORM, cookie: OTHER_BROWSER_COOKIE },
        payload: new URLSearchParams({ SAMLResponse: response, RelayState: "" }).toString(),
      });
      assert.equal(elsewhere.statusCode, 401, elsewhere.body);
      assert.equal(elsewhere.json().code, "saml.in_response_to_invalid");
      const users = await w.h.database.handle.db.selectFrom("users").select("id").where("email", "=", email).execute();
      assert.equal(users.length, 0, "nobody signed in");
      // Refused before anything was spent: in the browser that started it, it still works.
      assert.equal((await w.acs(w.connection.id, response)).statusCode, 200);
    });

    it("a response for another connection's ACS is refused, and the request it answered stays unspent", async () => {
      const other = await w.connect(w.idp.metadata(), "Second");
      const email = `eve@${w.domain}`;
      const requestId = await w.discover(email);
      // Signed by the same IdP, addressed to this connection, posted to the other's ACS.
      const response = await w.idp.respond(w.connection.sp, { ...person(email, "Eve", []), inResponseTo: requestId });
      const res = await w.acs(other.id, response);
      assert.equal(res.statusCode, 401, res.body);
      assert.match(res.json().code, /^saml\.(recipient_mismatch|audience_mismatch)$/);
      // Addressed to the other connection but answering this connection's request.
      const crossed = await w.idp.respond(other.sp, { ...person(email, "Eve", []), inResponseTo: requestId });
      const refused = await w.acs(other.id, crossed);
      assert.equal(refused.statusCode, 401, refused.body);
      assert.equal(refused.json().code, "saml.in_response_to_invalid");
      const users = await w.h.database.handle.db.selectFrom("users").select("id").where("email", "=", email).execute();
      assert.equal(users.length, 0, "nobody signed in");
      // The genuine response still works at its own ACS.
      assert.equal((await w.acs(w.connection.id, response)).statusCode, 200);
    });

    it("test-connection starts a SAML dry run: the ACS answers the mapping report and creates nothing", async () => {
      const email = `tess@${w.domain}`;
      const started = await w.h.app.inject({
        method: "POST",
        url: `${w.connectionsUrl}/${w.connection.id}/test`,
        headers: w.owner.headers,
      });
      assert.equal(started.statusCode, 200, started.body);
      const { testUrl } = started.json() as { testUrl: string };
      assert.ok(testUrl.startsWith(`${w.idp.ssoUrl}?`));
      const requestId = (await w.idp.readAuthnRequest(testUrl, w.connection.metadataXml)).id;
      // RelayState says "sign_in": the purpose stored with the request decides, not the browser.
      const response = await w.idp.respond(w.connection.sp, {
        ...person(email, "Tess", ["eng-managers"]),
        inResponseTo: requestId,
      });
      const res = await w.acs(w.connection.id, response, "sign_in");
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {
        dryRun: true,
        connectionId: w.connection.id,
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
      const users = await w.h.database.handle.db.selectFrom("users").select("id").where("email", "=", email).execute();
      assert.equal(users.length, 0, "no account");
    });

    it("without an email attribute in the mapping, the NameID is the address", async () => {
      const plain = await w.connect(w.idp.metadata(), "NameID only", { nameClaim: "displayName" });
      const view = await w.h.app.inject({
        method: "GET",
        url: `${w.connectionsUrl}/${plain.id}`,
        headers: w.owner.headers,
      });
      assert.equal((view.json() as { mapping: { emailClaim: string } }).mapping.emailClaim, "NameID");
      const started = await w.h.app.inject({
        method: "POST",
        url: `${w.connectionsUrl}/${plain.id}/test`,
        headers: w.owner.headers,
      });
      const { testUrl } = started.json() as { testUrl: string };
      const requestId = (await w.idp.readAuthnRequest(testUrl, plain.metadataXml)).id;
      const email = `nia@${w.domain}`;
      const response = await w.idp.respond(plain.sp, {
        nameId: email,
        attributes: { displayName: ["Nia"] },
        inResponseTo: requestId,
      });
      const res = await w.acs(plain.id, response);
      assert.equal(res.statusCode, 200, res.body);
      const report = res.json() as { email: string; name: string; wouldSignIn: boolean };
      assert.equal(report.email, email);
      assert.equal(report.name, "Nia");
      assert.equal(report.wouldSignIn, true);
    });

    it("an unsolicited (IdP-initiated) response is refused unless the connection allows it", async () => {
      const email = `ida@${w.domain}`;
      const unsolicited = await w.idp.respond(w.connection.sp, person(email, "Ida", []));
      const res = await w.acs(w.connection.id, unsolicited);
      assert.equal(res.statusCode, 401, res.body);
      assert.equal(res.json().code, "saml.idp_initiated_refused");
    });
  });
}
