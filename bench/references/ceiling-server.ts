import { createPublicKey, verify } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import { Redis } from "ioredis";
import pg from "pg";
import { publicUser, RATE_LIMIT_PER_MINUTE, required, SELECT_USER, type UserRow } from "./user-row.ts";

// The ceiling: bare node:http doing users/me's work with the cheapest correct means — the
// RS256 token verified synchronously against a KeyObject made once (no WebCrypto job), every
// claim Rampart pins checked, one Redis round trip for the rate-limit hit, one SELECT by
// primary key through a named (prepared) statement. No framework, no headers beyond the
// content type, no log line: what one Node process can do, the bound Rampart is measured against.
const publicKey = createPublicKey(required("JWT_PUBLIC_KEY_PEM"));
const issuer = required("JWT_ISSUER");
const audience = required("JWT_AUDIENCE");
const prefix = required("RATE_LIMIT_PREFIX");
const pool = new pg.Pool({ connectionString: required("DATABASE_URL"), max: 10 });
const redis = new Redis(required("REDIS_URL"), { enableAutoPipelining: true });

interface Claims {
  sub: string;
  exp: number;
}

function claimsOf(authorization: string | undefined): Claims | undefined {
  if (!authorization?.startsWith("Bearer ")) return undefined;
  const token = authorization.slice(7);
  const firstDot = token.indexOf(".");
  const secondDot = token.indexOf(".", firstDot + 1);
  if (firstDot < 0 || secondDot < 0 || token.indexOf(".", secondDot + 1) >= 0) return undefined;
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, firstDot), "base64url").toString());
    if (header.alg !== "RS256" || header.typ !== "at+jwt") return undefined;
    const signed = Buffer.from(token.slice(0, secondDot));
    const signature = Buffer.from(token.slice(secondDot + 1), "base64url");
    if (!verify("RSA-SHA256", signed, publicKey, signature)) return undefined;
    const claims = JSON.parse(Buffer.from(token.slice(firstDot + 1, secondDot), "base64url").toString());
    const now = Date.now() / 1000;
    if (claims.iss !== issuer || claims.aud !== audience || typeof claims.sub !== "string") return undefined;
    if (typeof claims.exp !== "number" || claims.exp < now || typeof claims.iat !== "number" || claims.iat > now + 30) {
      return undefined;
    }
    if (typeof claims.sid !== "string" || typeof claims.jti !== "string") return undefined;
    return claims;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

const server = createServer(async (req, res) => {
  if (req.method !== "GET" || req.url !== "/api/v1/users/me") return send(res, 404, { status: 404 });
  const claims = claimsOf(req.headers.authorization);
  if (!claims) return send(res, 401, { status: 401 });
  try {
    const key = `${prefix}:${claims.sub}:${Math.floor(Date.now() / 60_000)}`;
    const [[, hits]] = (await redis.multi().incr(key).expire(key, 60).exec()) as [[null, number], unknown];
    if (hits > RATE_LIMIT_PER_MINUTE) return send(res, 429, { status: 429 });
    const { rows } = await pool.query<UserRow>({ ...SELECT_USER, values: [claims.sub] });
    const row = rows[0];
    if (!row) return send(res, 401, { status: 401 });
    send(res, 200, publicUser(row));
  } catch {
    send(res, 503, { status: 503 });
  }
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address && typeof address === "object") process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
process.on("SIGTERM", () => server.close(() => Promise.all([pool.end(), redis.quit()]).then(() => process.exit(0))));
