import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { enginesUnderTest } from "../helpers/database.ts";
import { startTestIdp, type TestIdp } from "../helpers/oidc-provider.ts";
import { assertAccessible, chromiumAvailability, consolePage, launchChromium, screenshot } from "./browser.ts";
import { type ConsoleServer, consoleServer } from "./server.ts";

// Social sign-in from the console's sign-in page in headless Chromium: the public provider
// list gives the buttons, one of them goes through a real OpenID Provider (the generic OIDC
// provider of SOCIAL_OIDC_*, oidc-provider on loopback with its own login and consent pages),
// and SOCIAL_SIGNED_IN_URL brings the browser back to the console, signed in.

const [sqlite] = await enginesUnderTest();

describe("the console in headless Chromium (SQLite): social sign-in", chromiumAvailability(), () => {
  let s: ConsoleServer;
  let idp: TestIdp | undefined;
  let browser: Browser;

  before(async () => {
    assert.ok(sqlite);
    s = await consoleServer(sqlite, async (origin) => {
      idp = await startTestIdp({ redirectUri: `${origin}/api/v1/auth/social/oidc/callback`, interactive: true });
      return {
        SOCIAL_OIDC_NAME: "Acme ID",
        SOCIAL_OIDC_ISSUER: idp.issuer,
        SOCIAL_OIDC_CLIENT_ID: idp.clientId,
        SOCIAL_OIDC_CLIENT_SECRET: idp.clientSecret,
        SOCIAL_ALLOW_INSECURE_URLS: "true",
        SOCIAL_SIGNED_IN_URL: `${origin}/console/social/signed-in`,
      };
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await s?.h.close();
    await idp?.close();
  });

  it("shows a button per configured provider and signs in through it, back on the console", async () => {
    assert.ok(idp);
    const email = `social-${Date.now()}@example.com`;
    idp.accounts.set("social-user", { sub: "social-user", email, email_verified: true, name: "Sol Social" });
    const context = await browser.newContext();
    const { page, problems } = await consolePage(context);
    await page.goto(`${s.origin}/console`);
    const button = page.getByRole("button", { name: "Sign in with Acme ID" });
    await button.waitFor();
    await assertAccessible(page, "sign in with social providers");
    await screenshot(page, "sign-in-social");
    await button.click();
    await page.waitForURL((url) => url.href.startsWith(idp?.issuer ?? "-"));
    await page.fill("input[name=login]", "social-user");
    await page.fill("input[name=password]", "anything");
    await page.click("button[type=submit]");
    await page.waitForLoadState();
    if (!page.url().startsWith(s.origin)) await page.click("button[type=submit]");
    // A new account with no company: the landing page goes on to the profile.
    await page.getByRole("heading", { name: "Profile & sessions" }).waitFor();
    await page.getByText(email).waitFor();
    assert.ok(!page.url().includes("token"), "no token in the URL");
    assert.deepEqual(problems, []);
    await context.close();
  });
});
