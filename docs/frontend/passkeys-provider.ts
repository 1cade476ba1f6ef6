/**
 * Passwordless sign-in, the server's half: an Auth.js Credentials provider that hands the
 * browser's assertion (docs/frontend/passkeys-browser.ts) to Rampart as a native client, so
 * the tokens land in Auth.js's encrypted session like a password login's (auth.config.ts).
 * Add `passkeyProvider(process.env.RAMPART_API_URL)` to `providers`. Quoted by
 * docs/frontend.md and type-checked by `npm run check`.
 */
import { CredentialsSignin } from "@auth/core/errors";
import Credentials from "@auth/core/providers/credentials";
import type { User } from "@auth/core/types";

class PasskeySignInError extends CredentialsSignin {
  constructor(code: "invalid_credentials" | "try_later") {
    super();
    this.code = code;
  }
}

interface RampartSignIn {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: { id: string; email: string; name: string };
}

/** authorize: Rampart verifies the assertion (user verification required) and starts a session. */
export async function signInWithPasskey(api: string, credential: unknown): Promise<User> {
  let assertion: unknown;
  try {
    assertion = JSON.parse(String(credential));
  } catch {
    throw new PasskeySignInError("invalid_credentials");
  }
  const response = await fetch(`${api}/auth/passkeys/sign-in/verify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ credential: assertion, clientType: "native" }),
  });
  if (response.status === 429 || response.status >= 500) throw new PasskeySignInError("try_later");
  // 401 passkey.* (unknown, tampered, not verified, possible clone), 403 suspended: the
  // problem's code is for the logs, the page only says the passkey did not work.
  if (response.status !== 200) throw new PasskeySignInError("invalid_credentials");
  const body: RampartSignIn = await response.json();
  return {
    id: body.user.id,
    email: body.user.email,
    name: body.user.name,
    rampart: {
      accessToken: body.accessToken,
      refreshToken: body.refreshToken,
      expiresAt: Date.now() + body.expiresIn * 1000,
    },
  };
}

export function passkeyProvider(api: string) {
  return Credentials({
    id: "passkey",
    name: "Passkey",
    credentials: { credential: {} },
    authorize: ({ credential }) => signInWithPasskey(api, credential),
  });
}
