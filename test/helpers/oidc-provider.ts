import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { Provider } from "oidc-provider";

/** A person the test IdP signs in, with the claims it asserts. */
export interface IdpAccount {
  sub: string;
  email: string;
  email_verified: boolean;
  /** Entra ID's "email domain owner verified" optional claim. */
  xms_edov?: boolean;
  name?: string;
  groups?: string[];
}

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
  readonly jwk: JWK;
}

/** Rewrites the ID token of the next token response (attack tests): gets the genuine one. */
export type IdTokenTamper = (genuine: string) => Promise<string>;

export interface TestIdp {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The key the IdP signs with now (its JWKS publishes `published`). */
  readonly signingKey: SigningKey;
  accounts: Map<string, IdpAccount>;
  /** Who the next interaction signs in (the browser-less stand-in for a login form). */
  signInAs(sub: string): void;
  /** The next token response's ID token goes through this (once). */
  tamperNextIdToken(tamper: IdTokenTamper): void;
  /** Replaces the IdP's keys (same issuer, same port): signs with the first, publishes all. */
  rotateKeys(keys: readonly SigningKey[]): void;
  close(): Promise<void>;
}

export async function newSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" };
  return { kid, privateKey, jwk };
}

/** Signs `claims` as a JWT with `key` (an attacker's, or the IdP's own to re-sign tampered claims). */
export async function signIdToken(
  claims: Record<string, unknown>,
  key: SigningKey,
  header: { kid?: string } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: header.kid ?? key.kid })
    .sign(key.privateKey);
}

/** An unsigned token (`alg: none`) with the genuine token's claims. */
export function unsignedIdToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`;
}

export { decodeJwt, decodeProtectedHeader };

/**
 * A real OpenID Provider (panva's oidc-provider, v9) on 127.0.0.1 and an ephemeral port, as a
 * company's IdP: discovery, JWKS, authorization endpoint with PKCE required, token endpoint,
 * userinfo. Its interaction (login and consent) is completed over HTTP by a tiny handler that
 * signs in the account chosen with `signInAs` — the one part a person would type into a form.
 */
export async function startTestIdp(options: {
  redirectUri: string;
  /** Serve oidc-provider's own login and consent pages (for a real browser) instead of `signInAs`. */
  interactive?: boolean;
}): Promise<TestIdp> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => handler?.(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = "rampart-test-client";
  const clientSecret = "idp-client-secret-0123456789abcdef";
  const accounts = new Map<string, IdpAccount>();
  let nextSub: string | undefined;
  let tamper: IdTokenTamper | undefined;
  let signingKey = await newSigningKey("key-1");

  const build = (keys: readonly SigningKey[]) => {
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: [options.redirectUri],
          grant_types: ["authorization_code"],
          response_types: ["code"],
          token_endpoint_auth_method: "client_secret_post",
        },
      ],
      jwks: { keys: keys.map((k) => k.jwk) },
      findAccount: async (_ctx: unknown, id: string) => {
        const account = accounts.get(id);
        return account ? { accountId: id, claims: async () => ({ ...account }) } : undefined;
      },
      claims: {
        openid: ["sub"],
        email: ["email", "email_verified", "xms_edov"],
        profile: ["name"],
        groups: ["groups"],
      },
      scopes: ["openid", "email", "profile", "groups"],
      // The ID token carries the claims the scopes ask for (as Okta and Google do).
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: options.interactive === true } },
      pkce: { required: () => true },
      ...(options.interactive
        ? {}
        : {
            interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
          }),
      cookies: { keys: ["test-idp-cookie-key"] },
    });
    // The default logs every refused request to stderr; the attack tests refuse on purpose.
    provider.on("server_error", () => {});
    const callback = provider.callback();
    return async (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? "/", issuer);
      if (!options.interactive && url.pathname.startsWith("/interaction/")) {
        const details = await provider.interactionDetails(req, res);
        const accountId = nextSub ?? "";
        const grant = new provider.Grant({ accountId, clientId: details.params.client_id as string });
        grant.addOIDCScope(details.params.scope as string);
        const grantId = await grant.save();
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId }, consent: { grantId } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      if (url.pathname === "/token" && tamper) {
        const rewrite = tamper;
        tamper = undefined;
        interceptJson(res, async (body) => {
          if (typeof body.id_token === "string") body.id_token = await rewrite(body.id_token);
          return body;
        });
      }
      callback(req, res);
    };
  };
  handler = build([signingKey]);

  return {
    issuer,
    clientId,
    clientSecret,
    get signingKey() {
      return signingKey;
    },
    accounts,
    signInAs: (sub) => {
      nextSub = sub;
    },
    tamperNextIdToken: (fn) => {
      tamper = fn;
    },
    rotateKeys: (keys) => {
      signingKey = keys[0] as SigningKey;
      handler = build(keys);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Holds back a JSON response's body, rewrites it, and sends it with the right length. */
function interceptJson(
  res: ServerResponse,
  rewrite: (body: Record<string, unknown>) => Promise<Record<string, unknown>>,
) {
  const end = res.end.bind(res);
  const chunks: Buffer[] = [];
  res.write = ((chunk: unknown) => {
    chunks.push(Buffer.from(chunk as Buffer));
    return true;
  }) as typeof res.write;
  res.end = ((chunk?: unknown) => {
    if (chunk && typeof chunk !== "function") chunks.push(Buffer.from(chunk as Buffer));
    const text = Buffer.concat(chunks).toString("utf8");
    void rewrite(JSON.parse(text) as Record<string, unknown>).then((body) => {
      const out = JSON.stringify(body);
      res.setHeader("content-length", Buffer.byteLength(out));
      end(out);
    });
    return res;
  }) as typeof res.end;
}

/**
 * A browser without a screen: follows the IdP's redirects keeping its cookies, and stops at
 * the first redirect to `stopAt` (Rampart's callback), returning that URL.
 */
export async function followToCallback(startUrl: string, stopAt: string): Promise<URL> {
  const cookies = new Map<string, string>();
  let url = startUrl;
  for (let hop = 0; hop < 10; hop++) {
    if (url.startsWith(stopAt)) return new URL(url);
    const res = await fetch(url, {
      redirect: "manual",
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair?.indexOf("=") ?? -1;
      if (pair && eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const location = res.headers.get("location");
    if (!location) throw new Error(`the IdP stopped at ${url} with ${res.status}: ${(await res.text()).slice(0, 300)}`);
    url = new URL(location, url).href;
  }
  throw new Error("too many redirects at the IdP");
}
