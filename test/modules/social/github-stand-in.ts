import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// The only non-real counterpart of the social tests: a loopback stand-in for GitHub's three
// endpoints Rampart calls (the OAuth authorize page, the token exchange, and the REST API's
// /user and /user/emails), behaving as GitHub documents them — PKCE S256 checked at the
// exchange, a refused exchange answered 200 with an `error` field, codes single use.

export interface GithubUser {
  id: number;
  login: string;
  name: string | null;
  emails: { email: string; primary: boolean; verified: boolean; visibility: string | null }[];
}

export interface GithubStandIn {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly users: Map<string, GithubUser>;
  /** Who the next authorization signs in (the login GitHub's page would take). */
  signInAs(login: string): void;
  close(): Promise<void>;
}

export async function startGithubStandIn(redirectUri: string): Promise<GithubStandIn> {
  const clientId = "Ov23liStandIn0000001";
  const clientSecret = "github-stand-in-secret-0123456789abcdef";
  const users = new Map<string, GithubUser>();
  const codes = new Map<string, { login: string; challenge: string; redirectUri: string }>();
  const tokens = new Map<string, string>();
  let next: string | undefined;

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
  };
  const userOf = (req: IncomingMessage) => {
    const login = tokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
    return login ? users.get(login) : undefined;
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "GET" && url.pathname === "/login/oauth/authorize") {
      const q = url.searchParams;
      if (q.get("client_id") !== clientId || q.get("redirect_uri") !== redirectUri || !next) return json(res, 400, {});
      if (q.get("code_challenge_method") !== "S256" || !q.get("code_challenge")) return json(res, 400, {});
      const code = randomBytes(10).toString("hex");
      codes.set(code, { login: next, challenge: q.get("code_challenge") as string, redirectUri });
      const back = new URL(redirectUri);
      back.searchParams.set("code", code);
      back.searchParams.set("state", q.get("state") ?? "");
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (req.method === "POST" && url.pathname === "/login/oauth/access_token") {
      const form = await readBody(req);
      const grant = codes.get(form.get("code") ?? "");
      codes.delete(form.get("code") ?? "");
      const verifier = form.get("code_verifier") ?? "";
      const challenge = createHash("sha256").update(verifier).digest("base64url");
      if (form.get("client_id") !== clientId || form.get("client_secret") !== clientSecret)
        return json(res, 200, { error: "incorrect_client_credentials" });
      if (!grant || grant.challenge !== challenge || form.get("redirect_uri") !== grant.redirectUri)
        return json(res, 200, { error: "bad_verification_code" });
      const token = `gho_${randomBytes(12).toString("hex")}`;
      tokens.set(token, grant.login);
      return json(res, 200, { access_token: token, token_type: "bearer", scope: "read:user,user:email" });
    }
    if (req.method === "GET" && url.pathname === "/user") {
      const user = userOf(req);
      return user ? json(res, 200, { id: user.id, login: user.login, name: user.name }) : json(res, 401, {});
    }
    if (req.method === "GET" && url.pathname === "/user/emails") {
      const user = userOf(req);
      return user ? json(res, 200, user.emails) : json(res, 401, {});
    }
    json(res, 404, { message: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    clientId,
    clientSecret,
    users,
    signInAs: (login) => {
      next = login;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
