/**
 * Passkeys in the browser, with the browser's own WebAuthn JSON helpers (no library needed;
 * @simplewebauthn/browser's startRegistration/startAuthentication do the same and cover older
 * browsers). `api` is Rampart's base URL, e.g. "https://api.example.com/api/v1": the page's
 * origin must be in Rampart's WEBAUTHN_ORIGINS (and CORS_ORIGINS when the API is on another
 * origin). Quoted by docs/frontend.md, type-checked with the DOM lib, and run in headless
 * Chromium by test/modules/identity/passkeys-browser.test.ts. No imports: it runs as is.
 */

const JSON_BODY = { "content-type": "application/json" };

/** Adds a passkey to the signed-in account (a settings page); Rampart's answer, 201 with the passkey. */
export async function addPasskey(api: string, accessToken: string, name: string): Promise<Response> {
  const headers = { ...JSON_BODY, authorization: `Bearer ${accessToken}` };
  const options = await fetch(`${api}/auth/passkeys/registration/options`, { method: "POST", headers, body: "{}" });
  if (!options.ok) return options;
  const credential = await navigator.credentials.create({
    publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(await options.json()),
  });
  if (!(credential instanceof PublicKeyCredential)) throw new Error("no passkey was created");
  return fetch(`${api}/auth/passkeys/registration/verify`, {
    method: "POST",
    headers,
    body: JSON.stringify({ name, credential: credential.toJSON() }),
  });
}

/**
 * Passwordless sign-in, the browser's half: the user picks a passkey (no email typed) and
 * verifies with a PIN or biometrics. The assertion, as JSON text, goes to the server's half
 * (with Auth.js: `signIn("passkey", { credential })`).
 */
export async function passkeyAssertion(api: string): Promise<string> {
  const options = await fetch(`${api}/auth/passkeys/sign-in/options`, {
    method: "POST",
    headers: JSON_BODY,
    body: "{}",
  });
  if (!options.ok) throw new Error(`passkey sign-in options: HTTP ${options.status}`);
  const credential = await navigator.credentials.get({
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(await options.json()),
  });
  if (!(credential instanceof PublicKeyCredential)) throw new Error("no passkey was chosen");
  return JSON.stringify(credential.toJSON());
}
