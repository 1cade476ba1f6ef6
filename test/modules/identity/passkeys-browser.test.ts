import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { type Browser, chromium } from "playwright-core";
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

/** The test page: the browser half of the flow, as a front end would write it (docs/frontend.md). */
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>passkeys</title></head><body>
<script>
async function api(path, body, token) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = "Bearer " + token;
  const res = await fetch("/api/v1" + path, { method: body === undefined ? "GET" : "POST", headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}
async function registerPasskey(token) {
  const options = await api("/auth/passkeys/registration/options", {}, token);
  if (options.status !== 200) return options;
  const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.body) });
  return api("/auth/passkeys/registration/verify", { name: "Chromium", credential: credential.toJSON() }, token);
}
async function signInWithPasskey() {
  const options = await api("/auth/passkeys/sign-in/options", {});
  const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.body) });
  const signedIn = await api("/auth/passkeys/sign-in/verify", { credential: credential.toJSON(), clientType: "native" });
  if (signedIn.status !== 200) return { signedIn };
  const me = await api("/users/me", undefined, signedIn.body.accessToken);
  return { signedIn, me };
}
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
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable", { enableUI: false });
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    await page.goto(`${origin}/passkeys.html`);

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
