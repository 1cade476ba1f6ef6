import assert from "node:assert/strict";
import type { App } from "../../../src/app.ts";
import { ORIGIN } from "../../helpers/identity.ts";
import { followToCallback, startTestIdp, type TestIdp } from "../../helpers/oidc-provider.ts";
import { type GithubStandIn, startGithubStandIn } from "./github-stand-in.ts";

export const CALLBACK_BASE = `${ORIGIN}/api/v1/auth/social`;
export const OIDC_CALLBACK = `${CALLBACK_BASE}/oidc/callback`;
export const GITHUB_CALLBACK = `${CALLBACK_BASE}/github/callback`;

export interface Providers {
  readonly idp: TestIdp;
  readonly github: GithubStandIn;
  /** The settings that enable both, as an operator would set them. */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

/** A real oidc-provider as the generic OIDC provider, and the loopback GitHub stand-in. */
export async function startProviders(): Promise<Providers> {
  const idp = await startTestIdp({ redirectUri: OIDC_CALLBACK });
  const github = await startGithubStandIn(GITHUB_CALLBACK);
  return {
    idp,
    github,
    env: {
      SOCIAL_OIDC_NAME: "Acme ID",
      SOCIAL_OIDC_ISSUER: idp.issuer,
      SOCIAL_OIDC_CLIENT_ID: idp.clientId,
      SOCIAL_OIDC_CLIENT_SECRET: idp.clientSecret,
      SOCIAL_GITHUB_CLIENT_ID: github.clientId,
      SOCIAL_GITHUB_CLIENT_SECRET: github.clientSecret,
      SOCIAL_GITHUB_URL: github.url,
      SOCIAL_GITHUB_API_URL: github.url,
      SOCIAL_ALLOW_INSECURE_URLS: "true",
    },
    async close() {
      await idp.close();
      await github.close();
    },
  };
}

type Injector = Pick<App, "inject">;

export interface Started {
  readonly redirectUrl: string;
  /** The browser-binding cookie the start set. */
  readonly cookie: string;
}

/** POST …/start (sign-in, or a link when `headers` carry a bearer token and `path` is the link one). */
export async function start(app: Injector, path: string, headers: Record<string, string> = {}): Promise<Started> {
  const res = await app.inject({ method: "POST", url: path, headers });
  assert.equal(res.statusCode, 200, res.body);
  const cookie = res.cookies.find((c) => c.name === "rampart_social");
  assert.ok(cookie, "the start binds the flow to the browser with a cookie");
  return { redirectUrl: (res.json() as { redirectUrl: string }).redirectUrl, cookie: cookie.value };
}

/** Through the provider (signed in as `who`) back to Rampart's callback URL. */
export async function throughProvider(p: Providers, provider: "oidc" | "github", who: string, started: Started) {
  if (provider === "oidc") p.idp.signInAs(who);
  else p.github.signInAs(who);
  return followToCallback(started.redirectUrl, provider === "oidc" ? OIDC_CALLBACK : GITHUB_CALLBACK);
}

export function callback(app: Injector, url: URL, cookie: string | undefined, accept = "application/json") {
  return app.inject({
    method: "GET",
    url: `${url.pathname}${url.search}`,
    headers: { accept, ...(cookie === undefined ? {} : { cookie: `rampart_social=${cookie}` }) },
  });
}

/** The whole sign-in through `provider` as `who`, answered as JSON. */
export async function socialSignIn(app: Injector, p: Providers, provider: "oidc" | "github", who: string) {
  const started = await start(app, `/api/v1/auth/social/${provider}/start`);
  return callback(app, await throughProvider(p, provider, who, started), started.cookie);
}

/** The whole link of `provider` (as `who` there) to the account behind `token`. */
export async function socialLink(app: Injector, p: Providers, provider: "oidc" | "github", who: string, token: string) {
  const started = await start(app, `/api/v1/users/me/identities/${provider}/start`, {
    authorization: `Bearer ${token}`,
  });
  return callback(app, await throughProvider(p, provider, who, started), started.cookie);
}
