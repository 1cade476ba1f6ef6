import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { type Browser, chromium } from "playwright-core";
import { enginesUnderTest } from "../../helpers/database.ts";
import { startDnsServer, type TestDnsServer } from "../../helpers/dns-server.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { startTestIdp, type TestIdp } from "../../helpers/oidc-provider.ts";
import { freePort } from "../../helpers/smtp.ts";
import { createCompany, newUser } from "../../helpers/tenancy.ts";
import { uniqueDomain, verifyDomain } from "./fixture.ts";

// The whole OIDC sign-in once in a real browser (Debian's headless Chromium, never
// downloaded): home-realm discovery, the IdP's own login and consent pages (oidc-provider's
// interactions), the redirect back to Rampart's callback, the 303 to the app with the
// refresh cookie, and the app's refresh call that turns the cookie into an access token.

const CHROMIUM = "/usr/bin/chromium";

function chromiumAvailability(): { skip: false | string } {
  if (existsSync(CHROMIUM)) return { skip: false };
  const reason = `Chromium is not installed at ${CHROMIUM}; run scripts/setup.sh (as root)`;
  if (process.env.REQUIRE_SERVICES === "1") throw new Error(`REQUIRE_SERVICES=1 but ${reason}`);
  process.stderr.write(`# skipping: ${reason}\n`);
  return { skip: reason };
}

const SIGNED_IN_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>signed in</title></head><body>
<script type="module">
window.startSso = async (email) => {
  const started = await fetch("/api/v1/auth/sso/start", {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email }),
  });
  return (await started.json()).redirectUrl;
};
window.finish = async () => {
  const refreshed = await fetch("/api/v1/auth/refresh", { method: "POST", credentials: "same-origin" });
  const body = await refreshed.json();
  if (refreshed.status !== 200) return { status: refreshed.status, body };
  const me = await fetch("/api/v1/users/me", { headers: { authorization: "Bearer " + body.accessToken } });
  return { status: refreshed.status, body, me: await me.json() };
};
window.ready = true;
</script></body></html>`;

const [sqlite] = await enginesUnderTest();

describe("OIDC sign-in in headless Chromium against the IdP's own login page", chromiumAvailability(), () => {
  let h: IdentityHarness;
  let dns: TestDnsServer;
  let idp: TestIdp;
  let browser: Browser;
  let origin: string;
  let domain: string;

  before(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    dns = await startDnsServer();
    idp = await startTestIdp({ redirectUri: `${origin}/api/v1/auth/sso/oidc/callback`, interactive: true });
    assert.ok(sqlite);
    h = await identityHarness(sqlite, {
      PUBLIC_APP_URL: origin,
      SSO_DNS_SERVERS: dns.address,
      SSO_ALLOW_INSECURE_ISSUERS: "true",
      SSO_DOMAIN_RECHECK_MS: "0",
    });
    await h.app.listen({ host: "127.0.0.1", port });
    const owner = await newUser(h, "browser-owner");
    const company = await createCompany(h.app, owner, `browser-${Date.now()}`);
    const created = await h.app.inject({
      method: "POST",
      url: `/api/v1/companies/${company.id}/sso/connections`,
      headers: owner.headers,
      payload: {
        name: "Browser IdP",
        protocol: "oidc",
        oidc: { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret },
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    domain = uniqueDomain("browser");
    await verifyDomain(h, dns, owner, company.id, domain);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
    await idp?.close();
    await dns?.close();
  });

  it("discovery, the IdP's login and consent forms, the callback, then the app's refresh", async () => {
    const email = `browser-user@${domain}`;
    idp.accounts.set("browser-user", { sub: "browser-user", email, email_verified: true, name: "Bea Browser" });
    const context = await browser.newContext();
    const page = await context.newPage();
    // The app's page (served by the test on the API's origin, as a front end would be).
    await page.route(`${origin}/app.html`, (route) =>
      route.fulfill({ status: 200, contentType: "text/html", body: SIGNED_IN_PAGE }),
    );
    // Discovery from the app's page, as a front end calls it: the browser keeps the binding
    // cookie it sets, without which the callback is refused (login CSRF).
    await page.goto(`${origin}/app.html`);
    await page.waitForFunction(() => Reflect.get(globalThis, "ready") === true);
    const redirectUrl = String(await page.evaluate((address) => Reflect.get(globalThis, "startSso")(address), email));
    assert.ok(redirectUrl.startsWith(idp.issuer), redirectUrl);

    await page.goto(redirectUrl);
    // oidc-provider's login form: any password is accepted for a known account id.
    await page.fill("input[name=login]", "browser-user");
    await page.fill("input[name=password]", "anything");
    await page.click("button[type=submit]");
    // Its consent form, then back to Rampart, then on to the app.
    await page.waitForLoadState();
    if (!page.url().startsWith(`${origin}/sso/signed-in`)) await page.click("button[type=submit]");
    // Rampart sent the browser on to SSO_SIGNED_IN_URL (this test has no page there: the
    // redirect's target is an unrouted 404, what matters is that the browser got there).
    await page.waitForURL(`${origin}/sso/signed-in`);

    // The refresh cookie goes only to the auth endpoints (Path=/api/v1/auth).
    const cookies = await context.cookies(`${origin}/api/v1/auth/refresh`);
    const refresh = cookies.find((c) => c.name === "rampart_refresh");
    assert.ok(refresh, "the callback set the refresh cookie");
    assert.equal(refresh.httpOnly, true);
    assert.ok(!page.url().includes("token"), "no token in the URL");

    await page.goto(`${origin}/app.html`);
    await page.waitForFunction(() => Reflect.get(globalThis, "ready") === true);
    const result = await page.evaluate(() => Reflect.get(globalThis, "finish")());
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.equal(result.me.email, email);
    assert.equal(result.me.name, "Bea Browser");
    await context.close();
  });
});
