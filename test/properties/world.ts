import assert from "node:assert/strict";
import { verifyStream } from "../../src/modules/audit/verify.ts";
import type { Permission, Role } from "../../src/platform/access/permissions.ts";
import type { Mailer, MailMessage } from "../../src/platform/mail/mailer.ts";
import type { PrepareMail } from "../../src/platform/mail/queue.ts";
import type { EngineUnderTest } from "../helpers/database.ts";
import { startDnsServer, type TestDnsServer } from "../helpers/dns-server.ts";
import { bearer, type IdentityHarness, identityHarness, ORIGIN, STRONG_PASSWORD } from "../helpers/identity.ts";
import { startTestIdp, type TestIdp } from "../helpers/oidc-provider.ts";
import { actAsOneBrowser } from "../helpers/sso-browser.ts";
import { joinDirectly, makePlatformAdmin } from "../helpers/tenancy.ts";
import { type Actor, describeActor, expected, liveOwners, type Model, type ModelUser } from "./model.ts";

/** The real side of the model run: one app per engine, shared by every run (each run has its own users). */
export interface World {
  readonly h: IdentityHarness;
  /** The platform operator's headers (suspensions). */
  readonly operator: Record<string, string>;
  /** The newest action token mailed to an address. */
  tokenFor(email: string): string;
  /** A request that must never answer 5xx; returns status and parsed body. */
  call(
    method: string,
    url: string,
    headers: Record<string, string>,
    payload?: object,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** One identity provider and one DNS server for every company's SSO (issue #24), started with the world. */
  readonly sso: { readonly idp: TestIdp; readonly dns: TestDnsServer };
  /** What the SSO commands did, over every run: a test asserts they ran. */
  readonly stats: {
    connected: number;
    jitCreated: number;
    jitUpdated: number;
    jitRefused: number;
    ssoSessionsEnded: number;
  };
  close(): Promise<void>;
}

export const SSO_CALLBACK = `${ORIGIN}/api/v1/auth/sso/oidc/callback`;

export async function openWorld(engine: EngineUnderTest): Promise<World> {
  const inbox = new Map<string, string>();
  // Requests (reset, resend) are prepared at once, as the app's direct mailer does without a queue.
  const handlers = new Map<string, PrepareMail>();
  const mailer: Mailer = {
    async send(message: MailMessage) {
      const token = message.actionUrl ? new URL(message.actionUrl).searchParams.get("token") : null;
      if (token) inbox.set(message.to, token);
    },
    async request(kind, payload) {
      const message = await handlers.get(kind)?.(payload);
      if (message) await mailer.send(message);
    },
    handle: (kind, prepare) => void handlers.set(kind, prepare),
    async drain() {},
    async close() {},
  };
  const dns = await startDnsServer();
  const idp = await startTestIdp({ redirectUri: SSO_CALLBACK });
  const h = await identityHarness(
    engine,
    {
      SSO_DNS_SERVERS: dns.address,
      SSO_DNS_TIMEOUT_MS: "1000",
      SSO_ALLOW_INSECURE_ISSUERS: "true",
      SSO_DOMAIN_RECHECK_MS: "0",
    },
    { mailer },
  );
  actAsOneBrowser(h.app);
  const call: World["call"] = async (method, url, headers, payload) => {
    const res = await h.app.inject({ method: method as "GET", url, headers, ...(payload ? { payload } : {}) });
    if (process.env.PROPS_TRACE_CALLS === "1" && method !== "GET" && !url.includes("/auth/"))
      process.stderr.write(`    ${method} ${url.replace(/[0-9a-f-]{36}/g, (m) => m.slice(-4))} -> ${res.statusCode}\n`);
    assert.ok(res.statusCode < 500, `${method} ${url} answered ${res.statusCode}: ${res.body}`);
    const body =
      res.body && res.headers["content-type"]?.includes("json") ? (res.json() as Record<string, unknown>) : {};
    return { status: res.statusCode, body };
  };
  const tokenFor = (email: string) => {
    const token = inbox.get(email);
    assert.ok(token, `a mail with a link to ${email}`);
    return token;
  };
  const close = async () => {
    await h.close();
    await idp.close();
    await dns.close();
  };
  const stats = { connected: 0, jitCreated: 0, jitUpdated: 0, jitRefused: 0, ssoSessionsEnded: 0 };
  const world = { h, operator: {}, tokenFor, call, sso: { idp, dns }, stats, close };
  const operator = await signUp(world, `operator-${Date.now()}@example.com`, true);
  await makePlatformAdmin(h, operator.id);
  const login = await call("POST", "/api/v1/auth/login", {}, { email: operator.email, password: STRONG_PASSWORD });
  return { ...world, operator: bearer(String(login.body.accessToken)) };
}

let people = 0;

/** Registers (and verifies, unless told not to) a user and signs them in. */
export async function signUp(
  world: Pick<World, "call" | "tokenFor">,
  email: string,
  verify: boolean,
): Promise<ModelUser> {
  const reg = await world.call("POST", "/api/v1/auth/register", {}, { email, password: STRONG_PASSWORD, name: "P" });
  assert.equal(reg.status, 201);
  if (verify) {
    const ok = await world.call("POST", "/api/v1/auth/verify-email", {}, { token: world.tokenFor(email) });
    assert.equal(ok.status, 200);
  }
  const login = await world.call(
    "POST",
    "/api/v1/auth/login",
    {},
    { email, password: STRONG_PASSWORD, clientType: "native" },
  );
  assert.equal(login.status, 200);
  const body = login.body as { accessToken: string; refreshToken: string; user: { id: string } };
  return {
    id: body.user.id,
    email,
    status: "active",
    verified: verify,
    session: { accessToken: body.accessToken, refreshToken: body.refreshToken },
  };
}

/**
 * Four verified, signed-in people and two companies: company#0 owned by user#0 and
 * administered by user#1, company#1 owned by user#2 with user#3 as a member — so most
 * generated commands name someone and something that exist.
 */
export async function startingModel(world: World): Promise<Model> {
  const users: ModelUser[] = [];
  for (let i = 0; i < 4; i++) users.push(await signUp(world, newEmail(), true));
  const companies: Model["companies"] = [];
  for (const [owner, other, role] of [
    [0, 1, "admin"],
    [2, 3, "member"],
  ] as const) {
    const slug = `p-${Date.now()}-${++people}`;
    const name = `Company ${companies.length}`;
    const headers = bearer(users[owner]?.session?.accessToken ?? "");
    const created = await world.call("POST", "/api/v1/companies", headers, { name, slug });
    assert.equal(created.status, 201);
    const id = String(created.body.id);
    const joining = { userId: users[other]?.id ?? "", accessToken: "", email: "", headers: { authorization: "" } };
    await joinDirectly(world.h, id, joining, role);
    const members = new Map<number, Role>([
      [owner, "owner"],
      [other, role],
    ]);
    companies.push({ id, slug, name, status: "active" as const, members });
  }
  return { users, companies, keys: [], invitations: [], partnerships: [] };
}

export function newEmail(domain = "example.com"): string {
  return `p${++people}-${Date.now()}@${domain}`;
}

/** The headers an actor presents, or undefined when it has nothing to present (no session). */
export function headersOf(model: Model, actor: Actor): Record<string, string> | undefined {
  if ("key" in actor) {
    const key = model.keys[actor.key];
    return key ? { "x-api-key": key.secret } : undefined;
  }
  const session = model.users[actor.user]?.session;
  return session ? bearer(session.accessToken) : undefined;
}

/** Reads and writes every actor tries in every company after each command. */
const PROBES: readonly { permission: Permission; method: string; path: string; write?: boolean }[] = [
  { permission: "company:read", method: "GET", path: "" },
  { permission: "members:read", method: "GET", path: "/members" },
  { permission: "audit:read", method: "GET", path: "/audit-events?limit=1" },
  { permission: "company:update", method: "PATCH", path: "", write: true },
];

/** The checks after every command: owners, every actor's probes, no 5xx (in call), audit chains. */
export async function checkInvariants(world: World, model: Model): Promise<void> {
  const db = world.h.database.handle.db;
  for (const [index, company] of model.companies.entries()) {
    if (company.status === "deleted") continue;
    const owners = await db
      .selectFrom("memberships")
      .innerJoin("users", "users.id", "memberships.user_id")
      .select("users.id")
      .where("memberships.company_id", "=", company.id)
      .where("memberships.role", "=", "owner")
      .where("users.status", "!=", "deleted")
      .execute();
    assert.ok(owners.length > 0, `company#${index} (${company.status}) has no owner whose account is not deleted`);
    assert.ok(liveOwners(model, index).length > 0, `the model agrees company#${index} keeps an owner`);
    // Every member's exact role (the probes below tell only some roles apart), SSO-made ones included.
    const members = await db
      .selectFrom("memberships")
      .innerJoin("users", "users.id", "memberships.user_id")
      .select(["users.id", "memberships.role"])
      .where("memberships.company_id", "=", company.id)
      .where("users.status", "!=", "deleted")
      .execute();
    const real = Object.fromEntries(members.map((row) => [row.id, row.role]));
    const modelled = Object.fromEntries(
      [...company.members].map(([u, role]) => [model.users[u]?.id ?? `user#${u}`, role] as const),
    );
    assert.deepEqual(real, modelled, `company#${index}'s members and their roles are the model's`);
    const chain = await verifyStream(db, `company:${company.id}`);
    assert.equal(chain.broken, undefined, `company#${index}'s audit chain verifies`);
  }
  const actors: Actor[] = [...model.users.map((_, user) => ({ user })), ...model.keys.map((_, key) => ({ key }))];
  for (const actor of actors) {
    const headers = headersOf(model, actor);
    if (!headers) continue;
    for (const [index, company] of model.companies.entries()) {
      for (const probe of PROBES) {
        const want = expected(model, actor, index, probe.permission);
        const url = `/api/v1/companies/${company.id}${probe.path}`;
        const res = await world.call(probe.method, url, headers, probe.write ? { name: company.name } : undefined);
        const got = res.status >= 200 && res.status < 300 ? "allowed" : "refused";
        const refusedRightly = got === "refused" && [401, 403, 404].includes(res.status);
        assert.ok(
          want === got && (got === "allowed" || refusedRightly),
          `${describeActor(actor)} ${probe.method} company#${index}${probe.path} (${probe.permission}): the model says ${want}, the app answered ${res.status}`,
        );
      }
    }
  }
}
