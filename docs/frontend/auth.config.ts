/**
 * An Auth.js (v5) configuration that signs users in against Rampart with the Credentials
 * provider and keeps Rampart's access token fresh. Quoted by docs/frontend.md and type-checked
 * by `npm run check`. In a Next.js app import from "next-auth", "next-auth/providers/credentials"
 * and "next-auth/jwt" instead of "@auth/core…"; the object is then what `NextAuth(...)` takes.
 */
import type { AuthConfig } from "@auth/core";
import { CredentialsSignin } from "@auth/core/errors";
import type { JWT } from "@auth/core/jwt";
import Credentials from "@auth/core/providers/credentials";
import type { User } from "@auth/core/types";
import { login, refreshToken, type TokenResponse } from "../../clients/typescript/index.ts";

declare module "@auth/core/types" {
  interface User {
    rampart?: RampartTokens;
  }
  interface Session {
    /** Rampart's bearer token for server-side calls. The refresh token never leaves the JWT. */
    accessToken?: string;
    error?: "RefreshUnavailable";
  }
}

declare module "@auth/core/jwt" {
  interface JWT {
    rampart?: RampartTokens;
    error?: "RefreshUnavailable";
  }
}

export interface RampartTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

/** Refresh this long before the access token expires, so no request carries a dying token. */
const REFRESH_MARGIN_MS = 60_000;

/** The code reaches the sign-in page as `?code=`: say "try later" apart from "wrong password". */
class RampartSignInError extends CredentialsSignin {
  constructor(code: "invalid_credentials" | "try_later") {
    super();
    this.code = code;
  }
}

function tokensOf(response: TokenResponse): RampartTokens {
  if (response.refreshToken === undefined) throw new Error("log in with clientType: native");
  return {
    accessToken: response.accessToken,
    refreshToken: response.refreshToken,
    expiresAt: Date.now() + response.expiresIn * 1000,
  };
}

/**
 * A fresh token set, null when the session is over (sign out), or the same token marked
 * RefreshUnavailable when Rampart could not answer (the next request tries again).
 */
export async function refreshRampartTokens(token: JWT): Promise<JWT | null> {
  if (token.rampart === undefined) return null;
  if (Date.now() < token.rampart.expiresAt - REFRESH_MARGIN_MS) return token;
  let response: Awaited<ReturnType<typeof refreshToken>>;
  try {
    response = await refreshToken({ refreshToken: token.rampart.refreshToken });
  } catch {
    return { ...token, error: "RefreshUnavailable" }; // network error
  }
  if (response.status === 200) {
    // mfaRequired instead of tokens: a session from before the account's second factor ended.
    if (!("accessToken" in response.data)) return null;
    const { error: _, ...rest } = token;
    return { ...rest, rampart: tokensOf(response.data) };
  }
  // auth.invalid_refresh_token (expired, revoked, signed out everywhere) or
  // auth.refresh_token_reused (Rampart saw this token twice and ended the session): sign out.
  if (response.status === 401) return null;
  return { ...token, error: "RefreshUnavailable" }; // 429, 5xx: transient
}

/** The Credentials provider's authorize: Rampart's native login, whose tokens ride on the user. */
export async function signInWithRampart(credentials: Partial<Record<"email" | "password", unknown>>): Promise<User> {
  const { email, password } = credentials;
  if (typeof email !== "string" || typeof password !== "string") throw new RampartSignInError("invalid_credentials");
  const response = await login({ email, password, clientType: "native" });
  if (response.status === 429 || response.status >= 500) throw new RampartSignInError("try_later");
  // 200 without `user` is mfaRequired: see "Accounts with a second factor" in docs/frontend.md.
  if (response.status !== 200 || !("user" in response.data) || response.data.user === undefined) {
    throw new RampartSignInError("invalid_credentials"); // 401, or 403 for a suspended account
  }
  const { user } = response.data;
  return { id: user.id, email: user.email, name: user.name, rampart: tokensOf(response.data) };
}

export const authConfig = {
  // The session lives as long as Rampart's refresh token (REFRESH_TOKEN_TTL_S, 30 days).
  session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
  providers: [
    Credentials({
      credentials: { email: { type: "email" }, password: { type: "password" } },
      authorize: signInWithRampart,
    }),
  ],
  callbacks: {
    async jwt({ token, user, account }) {
      if (account && user?.rampart) {
        // Sign-in: `sub` is Rampart's user id, the same as the access token's `sub`.
        return { sub: user.id, name: user.name, email: user.email, rampart: user.rampart };
      }
      return refreshRampartTokens(token);
    },
    async session({ session, token }) {
      if (token.sub !== undefined) session.user = { ...session.user, id: token.sub };
      session.accessToken = token.rampart?.accessToken;
      session.error = token.error;
      return session;
    },
  },
} satisfies AuthConfig;
