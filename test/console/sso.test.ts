import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { enginesUnderTest } from "../helpers/database.ts";
import { startDnsServer, type TestDnsServer } from "../helpers/dns-server.ts";
import { startTestIdp, type TestIdp } from "../helpers/oidc-provider.ts";
import { createCompany, newUser } from "../helpers/tenancy.ts";
import { uniqueDomain, verifyDomain } from "../modules/sso/fixture.ts";
import { assertAccessible, chromiumAvailability, consolePage, launchChromium, screenshot } from "./browser.ts";
import { type ConsoleServer, consoleServer } from "./server.ts";

// SSO from the console's sign-in page in headless Chromium, against a real OpenID Provider
// (oidc-provider on loopback, with its own login and consent pages, as in
// test/modules/sso/oidc-browser.test.ts): the work email, the IdP, Rampart's callback, and
// back on the console (SSO_SIGNED_IN_URL) signed in, by the start-up refresh from the cookie.

const [sqlite] = await enginesUnderTest();

describe("the console in headless Chromium (SQLite): SSO sign-in", chromiumAvailability(), () => {
  let s: ConsoleServer;
  let dns: TestDnsServer;
  let idp: TestIdp;
  let browser: Browser;
  let domain: string;

  before(async () => {
    assert.ok(sqlite);
    dns = await startDnsServer();
    s = await consoleServer(sqlite, (origin) => ({
      SSO_DNS_SERVERS: dns.address,
      SSO_ALLOW_INSECURE_ISSUERS: "true",
      SSO_DOMAIN_RECHECK_MS: "0",
      SSO_SIGNED_IN_URL: `${origin}/console/sso/signed-in`,
    }));
    idp = await startTestIdp({ redirectUri: `${s.origin}/api/v1/auth/sso/oidc/callback`, interactive: true });
    const owner = await newUser(s.h, "sso-owner");
    const company = await createCompany(s.h.app, owner, `sso-console-${Date.now()}`, "Federated Co");
    const created = await s.h.app.inject({
      method: "POST",
      url: `/api/v1/companies/${company.id}/sso/connections`,
      headers: owner.headers,
      payload: {
        name: "Console IdP",
        protocol: "oidc",
        oidc: { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret },
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    domain = uniqueDomain("console");
    await verifyDomain(s.h, dns, owner, company.id, domain);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await s?.h.close();
    await idp?.close();
    await dns?.close();
  });

  it("sends the work email's browser to the company's IdP and lands back on the console signed in, in the company", async () => {
    const email = `console-user@${domain}`;
    idp.accounts.set("console-user", { sub: "console-user", email, email_verified: true, name: "Sam Single" });
    const context = await browser.newContext();
    const { page, problems } = await consolePage(context);
    await page.goto(`${s.origin}/console`);
    await page.getByRole("button", { name: "Sign in with SSO" }).click();
    await page.getByRole("heading", { name: "Sign in with SSO" }).waitFor();
    await assertAccessible(page, "sign in with SSO");
    await screenshot(page, "sign-in-sso");
    await page.getByLabel("Work email").fill(email);
    await page.getByRole("button", { name: "Continue" }).click();
    // The IdP's own authorization endpoint, then its login form (any password for a known account).
    await page.waitForURL((url) => url.href.startsWith(idp.issuer));
    await page.fill("input[name=login]", "console-user");
    await page.fill("input[name=password]", "anything");
    await page.click("button[type=submit]");
    await page.waitForLoadState();
    // Its consent form, unless it went straight back to Rampart and on to the console.
    if (!page.url().startsWith(s.origin)) await page.click("button[type=submit]");

    // SSO_SIGNED_IN_URL is the console's: its start-up refresh turns the cookie into a
    // session, and the landing page goes on to the company the sign-in made them a member of.
    await page.getByRole("heading", { name: "Members of Federated Co" }).waitFor();
    await page
      .getByRole("navigation")
      .getByRole("heading", { name: /Federated Co/ })
      .waitFor();
    await page.getByText("Sam Single").first().waitFor();
    assert.match(page.url(), /\/console\/companies\/[0-9a-f-]{36}\/members$/);
    assert.ok(!page.url().includes("token"), "no token in the URL");
    assert.deepEqual(problems, []);
    await context.close();
  });

  it("works from the keyboard, and stays on the page saying so at the field when the address has no SSO, or is not an address", async () => {
    const context = await browser.newContext();
    const { page, problems } = await consolePage(context);
    await page.goto(`${s.origin}/console`);
    await page.getByRole("heading", { name: "Sign in to Rampart" }).waitFor();
    // From the keyboard: Tab to the SSO button, Enter; the focus moves to the new heading,
    // the next Tab reaches the field.
    const focused = () => page.evaluate("document.activeElement?.textContent ?? ''");
    for (let i = 0; i < 8 && (await focused()) !== "Sign in with SSO"; i++) await page.keyboard.press("Tab");
    assert.equal(await focused(), "Sign in with SSO");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Sign in with SSO" }).waitFor();
    // The screen moves the focus in an effect, after it is painted: wait for it (2 s at most)
    // rather than read it the moment the heading appears. A locator, not waitForFunction: the
    // console's CSP refuses the eval a string predicate is polled with (string-waits.test.ts).
    await page
      .locator("main h1:focus")
      .waitFor({ timeout: 2000 })
      .catch(() => {});
    assert.equal(await focused(), "Sign in with SSO", "the heading has the focus");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate("document.activeElement?.getAttribute('name')"), "email");
    const field = page.getByLabel("Work email");
    const errorOfField = async () => {
      await page.locator('input[name="email"][aria-invalid="true"]').waitFor();
      const describedBy = (await field.getAttribute("aria-describedby")) ?? "";
      assert.notEqual(describedBy, "", "the error describes the field");
      return ((await page.locator(`#${describedBy}`).textContent()) ?? "").trim();
    };
    // The API's answer for an unknown domain is its own sign-in page (it never says "unknown"):
    // the console does not leave for it, and tells the person to use their password.
    await field.fill(`someone@${uniqueDomain("unknown")}`);
    await page.getByRole("button", { name: "Continue" }).click();
    assert.match(await errorOfField(), /No company signs in with single sign-on/);
    await page.getByRole("alert").getByText("Sign in with your password").waitFor();
    assert.match(page.url(), /\/console$/);
    await assertAccessible(page, "sign in with SSO: no SSO");
    await screenshot(page, "sign-in-sso-unknown");

    // Not an address: the API's 422, at the field.
    await field.fill("not-an-address");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("alert").filter({ hasNotText: "No single sign-on" }).waitFor();
    assert.doesNotMatch(await errorOfField(), /No company signs in/);
    await page.getByRole("button", { name: "Back" }).click();
    await page.getByRole("heading", { name: "Sign in to Rampart" }).waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  });
});
