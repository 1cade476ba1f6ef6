import assert from "node:assert/strict";
import { bearer, type IdentityHarness, ORIGIN, signedInUser } from "./identity.ts";
import {
  type CeremonyOverrides,
  type CreationOptionsLike,
  type RequestOptionsLike,
  SoftwareAuthenticator,
} from "./software-authenticator.ts";

// The passkey calls the identity tests make over HTTP (app.inject), with a software
// authenticator for the origin and RP ID the test configuration allows.

export const PASSKEYS_API = "/api/v1/auth/passkeys";

/** An authenticator on the test front end's origin (a WEBAUTHN_ORIGINS default), RP ID localhost. */
export function localAuthenticator(options: { backupEligible?: boolean } = {}) {
  return new SoftwareAuthenticator({ origin: ORIGIN, rpId: "localhost", ...options });
}

export function assertProblem(
  res: { statusCode: number; json(): unknown; headers: object },
  status: number,
  code: string,
): void {
  assert.equal(res.statusCode, status, JSON.stringify(res.json()));
  assert.match(String(Reflect.get(res.headers, "content-type")), /application\/problem\+json/);
  assert.equal(Reflect.get(Object(res.json()), "code"), code);
}

export function passkeyCalls(h: IdentityHarness) {
  const post = (url: string, payload?: object, token?: string) =>
    h.app.inject({ method: "POST", url, payload: payload ?? {}, headers: token ? bearer(token) : {} });

  async function registrationOptions(token: string): Promise<CreationOptionsLike> {
    const res = await post(`${PASSKEYS_API}/registration/options`, undefined, token);
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  }

  async function signInOptions(): Promise<RequestOptionsLike> {
    const res = await post(`${PASSKEYS_API}/sign-in/options`);
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  }

  /** A signed-in user with one passkey on `authenticator`. */
  async function userWithPasskey(email: string, authenticator = localAuthenticator(), name = "Laptop") {
    const user = await signedInUser(h, email);
    const credential = authenticator.register(await registrationOptions(user.accessToken));
    const res = await post(`${PASSKEYS_API}/registration/verify`, { name, credential }, user.accessToken);
    assert.equal(res.statusCode, 201, res.body);
    // Registering upgraded the session (the passkey is a second factor it just proved): its
    // next tokens carry mfa, as a client's would after its next refresh.
    const refreshed = await h.app.inject({
      method: "POST",
      url: "/api/v1/auth/refresh",
      payload: { refreshToken: user.refreshToken },
    });
    assert.equal(refreshed.statusCode, 200, refreshed.body);
    const tokens = refreshed.json() as { accessToken: string; refreshToken: string };
    return {
      ...user,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      authenticator,
      passkeyId: String(res.json().id),
    };
  }

  /** Passwordless sign-in as a native client, the assertion tampered with as `o` says. */
  const signIn = async (authenticator: SoftwareAuthenticator, o: CeremonyOverrides = {}) =>
    post(`${PASSKEYS_API}/sign-in/verify`, {
      credential: authenticator.assert(await signInOptions(), o),
      clientType: "native",
    });

  const list = (token: string) => h.app.inject({ method: "GET", url: PASSKEYS_API, headers: bearer(token) });

  return { post, registrationOptions, signInOptions, userWithPasskey, signIn, list };
}

/**
 * passkeyCalls' functions, callable before the suite's `before` has made them: a suite declares
 * them at describe time and they reach the calls made once its harness exists.
 */
export function forwardPasskeyCalls(current: () => ReturnType<typeof passkeyCalls>) {
  type Calls = ReturnType<typeof passkeyCalls>;
  return {
    post: ((...args) => current().post(...args)) as Calls["post"],
    registrationOptions: ((...args) => current().registrationOptions(...args)) as Calls["registrationOptions"],
    signInOptions: (() => current().signInOptions()) as Calls["signInOptions"],
    userWithPasskey: ((...args) => current().userWithPasskey(...args)) as Calls["userWithPasskey"],
    signIn: ((...args) => current().signIn(...args)) as Calls["signIn"],
  };
}
