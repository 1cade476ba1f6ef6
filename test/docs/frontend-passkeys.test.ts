/**
 * docs/frontend.md's passkey provider (docs/frontend/passkeys-provider.ts) against a real
 * server: a software authenticator's assertion, as the browser half would hand it over,
 * signs in through `signInWithPasskey` and its tokens enter the Auth.js session like a
 * password login's. Type-checked under docs/frontend/tsconfig.json (@auth/core needs the DOM
 * lib); the browser half runs in Chromium in test/modules/identity/passkeys-browser.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { authConfig } from "../../docs/frontend/auth.config.ts";
import { signInWithPasskey } from "../../docs/frontend/passkeys-provider.ts";
import { enginesUnderTest } from "../helpers/database.ts";
import { bearer, type IdentityHarness, identityHarness, ORIGIN, signedInUser } from "../helpers/identity.ts";
import { SoftwareAuthenticator } from "../helpers/software-authenticator.ts";

const [sqlite] = await enginesUnderTest();

describe("docs/frontend.md: the passkey Credentials provider against a real server", () => {
  let h: IdentityHarness;
  let api: string;
  before(async () => {
    assert.ok(sqlite);
    h = await identityHarness(sqlite);
    api = `${await h.app.listen({ host: "127.0.0.1", port: 0 })}/api/v1`;
  });
  after(() => h?.close());

  it("signs in with the browser's assertion and keeps the tokens in the session; a refused one is invalid_credentials", async () => {
    const ada = await signedInUser(h, "doc-passkey@example.com");
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN, rpId: "localhost" });
    const options = await h.app.inject({
      method: "POST",
      url: "/api/v1/auth/passkeys/registration/options",
      headers: bearer(ada.accessToken),
      payload: {},
    });
    const registered = await h.app.inject({
      method: "POST",
      url: "/api/v1/auth/passkeys/registration/verify",
      headers: bearer(ada.accessToken),
      payload: { credential: authenticator.register(options.json()) },
    });
    assert.equal(registered.statusCode, 201, registered.body);

    const assertion = async (overrides = {}) => {
      const res = await fetch(`${api}/auth/passkeys/sign-in/options`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      return JSON.stringify(authenticator.assert(await res.json(), overrides));
    };
    const user = await signInWithPasskey(api, await assertion());
    assert.equal(user.id, ada.userId);
    assert.ok(user.rampart);
    const token = await authConfig.callbacks.jwt({
      token: {},
      user,
      account: { provider: "passkey", type: "credentials", providerAccountId: user.id ?? "" },
    });
    assert.equal(token?.sub, ada.userId);
    const me = await fetch(`${api}/users/me`, { headers: bearer(token?.rampart?.accessToken ?? "") });
    assert.equal(me.status, 200);

    await assert.rejects(signInWithPasskey(api, await assertion({ userVerified: false })), {
      code: "invalid_credentials",
    });
    await assert.rejects(signInWithPasskey(api, "not json"), { code: "invalid_credentials" });
  });
});
