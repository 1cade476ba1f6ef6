import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { EngineUnderTest } from "../../helpers/database.ts";
import { startDnsServer, type TestDnsServer } from "../../helpers/dns-server.ts";
import { type IdentityHarness, identityHarness, ORIGIN } from "../../helpers/identity.ts";
import { followToCallback, startTestIdp, type TestIdp } from "../../helpers/oidc-provider.ts";
import { actAsOneBrowser } from "../../helpers/sso-browser.ts";
import { createCompany, newUser, type SignedIn } from "../../helpers/tenancy.ts";

export const REDIRECT_URI = `${ORIGIN}/api/v1/auth/sso/oidc/callback`;

export interface SsoWorld {
  readonly h: IdentityHarness;
  readonly dns: TestDnsServer;
  readonly idp: TestIdp;
  readonly owner: SignedIn;
  readonly company: { id: string; slug: string };
  readonly domain: string;
  readonly connectionId: string;
  close(): Promise<void>;
}

export const uniqueDomain = (label: string) => `${label}-${randomBytes(4).toString("hex")}.test`;

/** Claims a domain through the API, publishes its TXT record on the local DNS server and verifies it. */
export async function verifyDomain(
  h: IdentityHarness,
  dns: TestDnsServer,
  owner: SignedIn,
  companyId: string,
  domain: string,
) {
  const claimed = await h.app.inject({
    method: "POST",
    url: `/api/v1/companies/${companyId}/sso/domains`,
    headers: owner.headers,
    payload: { domain },
  });
  assert.equal(claimed.statusCode, 201, claimed.body);
  const body = claimed.json() as { id: string; txtRecord: { name: string; value: string } };
  dns.setTxt(body.txtRecord.name, ["v=something-else", body.txtRecord.value]);
  const verified = await h.app.inject({
    method: "POST",
    url: `/api/v1/companies/${companyId}/sso/domains/${body.id}/verify`,
    headers: owner.headers,
  });
  assert.equal(verified.statusCode, 200, verified.body);
  assert.equal(verified.json().status, "verified");
  return body;
}

/**
 * A company whose owner connected the test IdP (a real oidc-provider on loopback) and
 * verified a domain on a local DNS server, as docs/sso.md tells an owner to.
 */
export async function ssoWorld(engine: EngineUnderTest, env: Record<string, string> = {}): Promise<SsoWorld> {
  const dns = await startDnsServer();
  const idp = await startTestIdp({ redirectUri: REDIRECT_URI });
  const h = await identityHarness(engine, {
    SSO_DNS_SERVERS: dns.address,
    SSO_DNS_TIMEOUT_MS: "1000",
    SSO_ALLOW_INSECURE_ISSUERS: "true",
    SSO_DOMAIN_RECHECK_MS: "0",
    ...env,
  });
  actAsOneBrowser(h.app);
  const owner = await newUser(h, "sso-owner");
  const slug = `sso-${randomBytes(3).toString("hex")}`;
  const company = await createCompany(h.app, owner, slug);
  const created = await h.app.inject({
    method: "POST",
    url: `/api/v1/companies/${company.id}/sso/connections`,
    headers: owner.headers,
    payload: {
      name: "Test IdP",
      protocol: "oidc",
      oidc: {
        issuer: idp.issuer,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
        scopes: ["openid", "email", "profile", "groups"],
      },
      mapping: { roles: { "eng-admins": "admin", "eng-managers": "manager" }, defaultRole: "member" },
    },
  });
  assert.equal(created.statusCode, 201, created.body);
  const domain = uniqueDomain("acme");
  await verifyDomain(h, dns, owner, company.id, domain);
  return {
    h,
    dns,
    idp,
    owner,
    company,
    domain,
    connectionId: (created.json() as { id: string }).id,
    async close() {
      await h.close();
      await idp.close();
      await dns.close();
    },
  };
}

/** Home-realm discovery for `email`, the IdP's redirects (signed in as `sub`), up to Rampart's callback URL. */
export async function throughIdp(w: SsoWorld, sub: string, start: { email?: string; companySlug?: string }) {
  const res = await w.h.app.inject({ method: "POST", url: "/api/v1/auth/sso/start", payload: start });
  assert.equal(res.statusCode, 200, res.body);
  const { redirectUrl } = res.json() as { redirectUrl: string };
  assert.ok(redirectUrl.startsWith(w.idp.issuer), `discovery sends the browser to the IdP, not ${redirectUrl}`);
  w.idp.signInAs(sub);
  return followToCallback(redirectUrl, REDIRECT_URI);
}

export function callback(w: SsoWorld, url: URL, accept = "application/json") {
  return w.h.app.inject({ method: "GET", url: `${url.pathname}${url.search}`, headers: { accept } });
}

/** The full sign-in: discovery, the IdP, the callback (JSON). */
export async function ssoSignIn(w: SsoWorld, sub: string) {
  const account = w.idp.accounts.get(sub);
  assert.ok(account, `the IdP knows ${sub}`);
  return callback(w, await throughIdp(w, sub, { email: account.email }));
}
