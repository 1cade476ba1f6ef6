import {
  type PasskeyAssertionCredential,
  type PasskeyRegistrationCredential,
  passkeyRegistrationOptions,
  passkeySignIn,
  passkeySignInOptions,
  registerPasskey,
} from "../../clients/typescript/index.ts";
import { acceptTokens, authed } from "./session.ts";
import type { Failure } from "./ui.tsx";
import { failureOf } from "./ui.tsx";

/**
 * Passkeys with the browser's own WebAuthn JSON helpers, as docs/frontend/passkeys-browser.ts
 * shows, through the generated client: the page's origin (Rampart's own) must be in
 * WEBAUTHN_ORIGINS.
 */
const browserFailure = (detail: string): Failure => ({ title: "Passkey", detail, code: "passkey.browser" });

export function passkeysSupported(): boolean {
  return typeof PublicKeyCredential !== "undefined" && "parseRequestOptionsFromJSON" in PublicKeyCredential;
}

export async function addPasskey(name: string): Promise<Failure | undefined> {
  const options = await authed((init) => passkeyRegistrationOptions(init));
  if (options.status !== 200) return failureOf(options);
  let credential: Credential | null;
  try {
    credential = await navigator.credentials.create({
      publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(
        options.data as unknown as PublicKeyCredentialCreationOptionsJSON,
      ),
    });
  } catch {
    return browserFailure("No passkey was created (cancelled, or this device has none).");
  }
  if (!(credential instanceof PublicKeyCredential)) return browserFailure("No passkey was created.");
  const json = credential.toJSON() as unknown as PasskeyRegistrationCredential;
  return failureOf(await authed((init) => registerPasskey({ name, credential: json }, init)));
}

export async function signInWithPasskey(): Promise<Failure | undefined> {
  const options = await passkeySignInOptions();
  if (options.status !== 200) return failureOf(options);
  let credential: Credential | null;
  try {
    credential = await navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(
        options.data as unknown as PublicKeyCredentialRequestOptionsJSON,
      ),
    });
  } catch {
    return browserFailure("No passkey was chosen.");
  }
  if (!(credential instanceof PublicKeyCredential)) return browserFailure("No passkey was chosen.");
  const json = credential.toJSON() as unknown as PasskeyAssertionCredential;
  const answer = await passkeySignIn({ credential: json, clientType: "browser" }, { credentials: "same-origin" });
  if (answer.status !== 200) return failureOf(answer);
  await acceptTokens(answer.data);
  return undefined;
}
