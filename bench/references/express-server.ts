import { createPublicKey } from "node:crypto";
import cors from "cors";
import express, { type NextFunction, type Request, type Response } from "express";
import { rateLimit } from "express-rate-limit";
import helmet from "helmet";
import { Redis } from "ioredis";
import jwt from "jsonwebtoken";
import pg from "pg";
import { type RedisReply, RedisStore } from "rate-limit-redis";
import { parseApiKey, secretMatches } from "../../src/modules/api-keys/secret.ts";
import {
  type ApiKeyRow,
  type MemberRow,
  publicMember,
  publicUser,
  RATE_LIMIT_PER_MINUTE,
  required,
  SELECT_API_KEY,
  SELECT_MEMBERS,
  SELECT_MEMBERSHIP,
  SELECT_USER,
  type UserRow,
} from "./user-row.ts";

// The Express reference: what a Node team writes by hand for users/me — Express 5, helmet,
// cors, express-rate-limit counting in Redis (rate-limit-redis), jsonwebtoken and pg, each
// used as its documentation shows. The key is parsed once (a KeyObject), not per request,
// so the reference is not slowed by a mistake Rampart does not make.
const publicKey = createPublicKey(required("JWT_PUBLIC_KEY_PEM"));
const issuer = required("JWT_ISSUER");
const audience = required("JWT_AUDIENCE");
const pool = new pg.Pool({ connectionString: required("DATABASE_URL"), max: 10 });
const redis = new Redis(required("REDIS_URL"));

interface Authenticated extends Request {
  userId?: string;
}

const app = express();
app.disable("x-powered-by");
app.use(helmet());
app.use(cors());

function authenticate(req: Authenticated, res: Response, next: NextFunction) {
  const header = req.headers.authorization;
  if (!header?.startsWith("Bearer ")) return void res.status(401).json({ status: 401 });
  try {
    const claims = jwt.verify(header.slice(7), publicKey, { algorithms: ["RS256"], issuer, audience });
    if (typeof claims === "string" || typeof claims.sub !== "string") return void res.status(401).json({ status: 401 });
    req.userId = claims.sub;
    next();
  } catch {
    res.status(401).json({ status: 401 });
  }
}

const limiter = rateLimit({
  windowMs: 60_000,
  limit: RATE_LIMIT_PER_MINUTE,
  standardHeaders: "draft-8",
  legacyHeaders: false,
  keyGenerator: (req: Authenticated) => req.userId ?? "anonymous",
  store: new RedisStore({
    prefix: `${required("RATE_LIMIT_PREFIX")}:`,
    sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply>,
  }),
});

app.get("/api/v1/users/me", authenticate, limiter, async (req: Authenticated, res: Response) => {
  const { rows } = await pool.query<UserRow>({ ...SELECT_USER, values: [req.userId] });
  const row = rows[0];
  if (!row) return void res.status(401).json({ status: 401 });
  res.json(publicUser(row));
});

// A member's (or an API key's) read of the company's member list: the membership or key
// looked up, then one page of members — the queries Rampart's route makes.
async function memberOf(companyId: string, userId: string): Promise<boolean> {
  const { rows } = await pool.query({ ...SELECT_MEMBERSHIP, values: [companyId, userId] });
  return rows.length > 0;
}

async function keyMayReadMembers(companyId: string, presented: string): Promise<boolean> {
  const parsed = parseApiKey(presented);
  if (!parsed) return false;
  const { rows } = await pool.query<ApiKeyRow>({ ...SELECT_API_KEY, values: [parsed.prefix] });
  const key = rows[0];
  if (!key || key.company_id !== companyId || key.revoked_at !== null) return false;
  if (key.expires_at !== null && new Date(key.expires_at).getTime() <= Date.now()) return false;
  const scopes = typeof key.scopes === "string" ? JSON.parse(key.scopes) : key.scopes;
  return secretMatches(parsed.secret, key.secret_hash) && scopes.includes("members:read");
}

function authenticateKeyOrToken(req: Authenticated, res: Response, next: NextFunction) {
  const presented = req.headers["x-api-key"];
  if (typeof presented !== "string") return authenticate(req, res, next);
  keyMayReadMembers(String(req.params.companyId), presented).then((ok) => {
    if (!ok) return void res.status(401).json({ status: 401 });
    req.userId = `key:${presented.slice(0, 15)}`;
    next();
  }, next);
}

app.get(
  "/api/v1/companies/:companyId/members",
  authenticateKeyOrToken,
  limiter,
  async (req: Authenticated, res: Response) => {
    const companyId = String(req.params.companyId);
    if (req.userId && !req.userId.startsWith("key:") && !(await memberOf(companyId, req.userId))) {
      return void res.status(403).json({ status: 403 });
    }
    const { rows } = await pool.query<MemberRow>({ ...SELECT_MEMBERS, values: [companyId] });
    res.json({ items: rows.map(publicMember), nextCursor: null });
  },
);

const server = app.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address && typeof address === "object") process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
process.on("SIGTERM", () => server.close(() => Promise.all([pool.end(), redis.quit()]).then(() => process.exit(0))));
