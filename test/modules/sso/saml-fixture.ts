import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { LightMyRequestResponse } from "fastify";
import type { EngineUnderTest } from "../../helpers/database.ts";
import { startDnsServer, type TestDnsServer } from "../../helpers/dns-server.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { createTestIdp, readSpMetadata, type SpView, type TestIdp } from "../../helpers/saml-idp.ts";
import { actAsOneBrowser } from "../../helpers/sso-browser.ts";
import { createCompany, newUser, type SignedIn } from "../../helpers/tenancy.ts";
import { uniqueDomain, verifyDomain } from "./fixture.ts";

// A company whose owner connected samlify (as the IdP) through the API from its metadata
// XML and verified a domain on a local DNS server, as docs/sso-saml.md tells an owner to.

export const GROUPS = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups";
export const FORM = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };

export interface SamlConnection {
  readonly id: string;
  /** Rampart's SP as samlify read it from the metadata endpoint. */
  readonly sp: SpView;
  readonly metadataXml: string;
}

export interface SamlWorld {
  readonly h: IdentityHarness;
  readonly dns: TestDnsServer;
  readonly idp: TestIdp;
  readonly owner: SignedIn;
  readonly company: { id: string; slug: string };
  readonly domain: string;
  readonly connection: SamlConnection;
  readonly connectionsUrl: string;
  /** Creates a SAML connection from `xml` (the IdP's metadata) and reads its SP metadata through the API. */
  connect(xml: string, name: string, mapping?: Record<string, unknown>): Promise<SamlConnection>;
  /** Posts a SAMLResponse to a connection's ACS as the IdP's form would (JSON accepted). */
  acs(connectionId: string, samlResponse: string, relayState?: string): Promise<LightMyRequestResponse>;
  /** Discovery for `email`, then samlify reads the AuthnRequest of the redirect: the id its response answers. */
  discover(email: string): Promise<string>;
  close(): Promise<void>;
}

/** What samlify asserts about a person: NameID and email, display name, groups. */
export const person = (email: string, name: string, groups: string[]) => ({
  nameId: email,
  attributes: { email: [email], displayName: [name], [GROUPS]: groups },
});

export async function samlWorld(engine: EngineUnderTest): Promise<SamlWorld> {
  const dns = await startDnsServer();
  const idp = createTestIdp();
  const h = await identityHarness(engine, {
    SSO_DNS_SERVERS: dns.address,
    SSO_DNS_TIMEOUT_MS: "1000",
    SSO_DOMAIN_RECHECK_MS: "0",
  });
  actAsOneBrowser(h.app);
  const owner = await newUser(h, "saml-owner");
  const company = await createCompany(h.app, owner, `saml-${randomBytes(3).toString("hex")}`);
  const connectionsUrl = `/api/v1/companies/${company.id}/sso/connections`;

  async function connect(xml: string, name: string, mapping?: Record<string, unknown>): Promise<SamlConnection> {
    const created = await h.app.inject({
      method: "POST",
      url: connectionsUrl,
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

  const connection = await connect(idp.metadata(), "Samlify");
  const domain = uniqueDomain("saml");
  await verifyDomain(h, dns, owner, company.id, domain);

  return {
    h,
    dns,
    idp,
    owner,
    company,
    domain,
    connection,
    connectionsUrl,
    connect,
    async acs(connectionId, samlResponse, relayState = "") {
      return await h.app.inject({
        method: "POST",
        url: `/api/v1/auth/sso/saml/${connectionId}/acs`,
        headers: FORM,
        payload: new URLSearchParams({ SAMLResponse: samlResponse, RelayState: relayState }).toString(),
      });
    },
    async discover(email) {
      const res = await h.app.inject({ method: "POST", url: "/api/v1/auth/sso/start", payload: { email } });
      assert.equal(res.statusCode, 200, res.body);
      const { redirectUrl } = res.json() as { redirectUrl: string };
      assert.ok(redirectUrl.startsWith(`${idp.ssoUrl}?`), `discovery sends the browser to the IdP, not ${redirectUrl}`);
      return (await idp.readAuthnRequest(redirectUrl, connection.metadataXml)).id;
    },
    async close() {
      await h.close();
      await dns.close();
    },
  };
}
