import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import { after, before, describe, it } from "node:test";
import { type Browser, chromium } from "playwright-core";
import { virtualAuthenticator } from "../../console/browser.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness, signedInUser } from "../../helpers/identity.ts";
import { freePort } from "../../helpers/smtp.ts";

// A passkey registered and used in a real browser: Debian's headless Chromium (installed by
// scripts/setup.sh, never downloaded) with a CDP virtual authenticator — a CTAP2 platform
// authenticator with resident keys and user verification — on a page of the API's own
// origin, exactly what WEBAUTHN_ORIGINS allows.

const CHROMIUM = "/usr/bin/chromium";

function chromiumAvailability(): { skip: false | string } {
  if (existsSync(CHROMIUM)) return { skip: false };
  const reason = `Chromium is not installed at ${CHROMIUM}; run scripts/setup.sh (as root)`;
  if (process.env.REQUIRE_SERVICES === "1") throw new Error(`REQUIRE_SERVICES=1 but ${reason}`);
  process.stderr.write(`# skipping: ${reason}\n`);
  return { skip: reason };
}

/**
 * The page runs docs/frontend/passkeys-browser.ts as the documentation shows it (types
 * stripped, as a bundler would): what docs/frontend.md tells a front end to do is what works.
 */
const DOCUMENTED = stripTypeScriptTypes(
  readFileSync(new URL("../../../docs/frontend/passkeys-browser.ts", import.meta.url), "utf8"),
);
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>passkeys</title></head><body>
<script type="module">
import { addPasskey, passkeyAssertion } from "/passkeys-browser.js";
const api = "/api/v1";
window.registerPasskey = async (token) => {
  const res = await addPasskey(api, token, "Chromium");
  return { status: res.status, body: await res.json() };
};
window.signInWithPasskey = async () => {
  const credential = JSON.parse(await passkeyAssertion(api));
  const post = await fetch(api + "/auth/passkeys/sign-in/verify", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ credential, clientType: "native" }),
  });
  const signedIn = { status: post.status, body: await post.json() };
  if (post.status !== 200) return { signedIn };
  const me = await fetch(api + "/users/me", { headers: { authorization: "Bearer " + signedIn.body.accessToken } });
  return { signedIn, me: { status: me.status, body: await me.json() } };
};
window.ready = true;
</script></body></html>`;

const [sqlite] = await enginesUnderTest();

describe("passkeys in headless Chromium with a virtual authenticator", chromiumAvailability(), () => {
  let h: IdentityHarness;
  let browser: Browser;
  let origin: string;
  before(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    assert.ok(sqlite);
    h = await identityHarness(sqlite, { WEBAUTHN_RP_ID: "localhost", WEBAUTHN_ORIGINS: origin });
    await h.app.listen({ host: "127.0.0.1", port });
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
  });

  it("registers a passkey on a page of an allowed origin and signs in with it, passwordless", async () => {
    const user = await signedInUser(h, "chromium@example.com");
    const context = await browser.newContext();
    const page = await context.newPage();
    // The page comes from the test, on the API's own origin: the API calls are same-origin.
    await page.route(`${origin}/passkeys.html`, (route) =>
      route.fulfill({ status: 200, contentType: "text/html", body: PAGE }),
    );
    await page.route(`${origin}/passkeys-browser.js`, (route) =>
      route.fulfill({ status: 200, contentType: "text/javascript", body: DOCUMENTED }),
    );
    const { cdp, authenticatorId } = await virtualAuthenticator(context, page);
    await page.goto(`${origin}/passkeys.html`);
    await page.waitForFunction(() => Reflect.get(globalThis, "ready") === true);

    const registered = await page.evaluate(
      (token) => Reflect.get(globalThis, "registerPasskey")(token),
      user.accessToken,
    );
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    assert.equal(registered.body.name, "Chromium");
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    assert.equal(credentials.length, 1);
    assert.equal(credentials[0]?.isResidentCredential, true, "a discoverable credential was created");

    const result = await page.evaluate(() => Reflect.get(globalThis, "signInWithPasskey")());
    assert.equal(result.signedIn.status, 200, JSON.stringify(result.signedIn.body));
    assert.equal(result.signedIn.body.user.id, user.userId);
    assert.equal(result.me.status, 200);
    assert.equal(result.me.body.email, "chromium@example.com");
    await context.close();
  });
});
