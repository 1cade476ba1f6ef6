import assert from "node:assert/strict";
import fc from "fast-check";
import { totpCodeAt } from "../../src/modules/identity/totp.ts";
import {
  isStronger,
  PARTNER_SCOPES,
  type Permission,
  ROLES,
  type Role,
} from "../../src/platform/access/permissions.ts";
import { STRONG_PASSWORD } from "../helpers/identity.ts";
import {
  type Actor,
  actingRole,
  describeActor,
  expected,
  grantorMay,
  KEY_SCOPES,
  liveOwners,
  type Model,
  permissionsOfRole,
} from "./model.ts";
import { checkInvariants, headersOf, newEmail, signUp, type World } from "./world.ts";

/*
 * Every state-changing operation of issue #20, as fast-check commands run through the real
 * app. A command asserts what the model says must never succeed (a 2xx without the rights
 * for it, or breaking a rule) and, when the app accepted it, applies it to the model; then
 * the invariants are checked (world.ts). toString() is what a shrunk counterexample prints.
 */

/** Who register() may add up to; just-in-time SSO accounts (sso-commands.ts) may go two beyond. */
export const MAX_USERS = 5;
const MAX_COMPANIES = 3;
const MAX_KEYS = 3;

type Act = (model: Model, world: World) => Promise<void>;

export class Step implements fc.AsyncCommand<Model, World> {
  label: string;
  readonly describe: (model: Model) => string;
  readonly can: (model: Model) => boolean;
  readonly act: Act;
  constructor(label: string | ((model: Model) => string), can: (model: Model) => boolean, act: Act) {
    this.describe = typeof label === "string" ? () => label : label;
    this.label = typeof label === "string" ? label : "(not run)";
    this.can = can;
    this.act = act;
  }
  check(model: Readonly<Model>): boolean {
    return this.can(model as Model);
  }
  async run(model: Model, world: World): Promise<void> {
    // Selectors resolve against the state the command runs in: that is what a counterexample shows.
    this.label = this.describe(model);
    if (process.env.PROPS_TRACE === "1") process.stderr.write(`  ${this.label}\n`);
    await this.act(model, world);
    await checkInvariants(world, model);
  }
  toString(): string {
    return this.label;
  }
}

export const ok = (status: number) => status >= 200 && status < 300;
export const may = (model: Model, actor: Actor, company: number, permission: Permission) =>
  expected(model, actor, company, permission) === "allowed";
export const mustNot = (status: number, why: string) => assert.ok(!ok(status), `answered ${status} although ${why}`);

// Up to MAX_USERS + 2: the accounts SSO sign-ins created are acted on too.
const user = fc.nat({ max: MAX_USERS + 1 });
export const company = fc.nat({ max: MAX_COMPANIES - 1 });
const role = fc.constantFrom<Role>(...ROLES);
/**
 * Who acts or is acted on: mostly "the k-th member of the company" (so most commands are
 * ones a member could make), sometimes any user (so outsiders try too).
 */
export type Who = { readonly member: number } | { readonly user: number };
const who: fc.Arbitrary<Who> = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 5 }).map((k) => ({ member: k })) },
  { weight: 1, arbitrary: user.map((u) => ({ user: u })) },
);
function resolve(m: Model, c: number, sel: Who): number {
  if ("user" in sel) return m.users[sel.user] ? sel.user : -1;
  const members = [...(m.companies[c]?.members.keys() ?? [])].sort((a, b) => a - b);
  return members.length === 0 ? -1 : (members[sel.member % members.length] as number);
}
export const whoActor: fc.Arbitrary<{ readonly who: Who } | { readonly key: number }> = fc.oneof(
  { weight: 3, arbitrary: who.map((w) => ({ who: w })) },
  { weight: 1, arbitrary: fc.nat({ max: MAX_KEYS - 1 }).map((k) => ({ key: k })) },
);
export function resolveActor(m: Model, c: number, a: { readonly who: Who } | { readonly key: number }): Actor {
  return "key" in a ? { key: a.key } : { user: resolve(m, c, a.who) };
}
const hasUser = (m: Model, u: number) => m.users[u] !== undefined;
const signedIn = (m: Model, u: number) => m.users[u]?.session != null;
export const present = (m: Model, a: Actor) => headersOf(m, a) !== undefined;
export const base = (m: Model, c: number) => `/api/v1/companies/${m.companies[c]?.id}`;

/** The company rules every member change follows: rank, and an owner whose account is not deleted remains. */
function breaksMemberRules(m: Model, a: Actor, c: number, target: number, newRole?: Role): string | undefined {
  const own = "user" in a ? actingRole(m, c, a.user) : undefined;
  const current = m.companies[c]?.members.get(target);
  if (current === undefined) return "the target is not a member";
  if (own === undefined) return "API keys and non-members never change members";
  if (isStronger(current, own)) return "the target outranks the actor";
  if (newRole !== undefined && isStronger(newRole, own)) return "the new role is stronger than the actor's";
  const others = liveOwners(m, c).filter((u) => u !== target);
  if (current === "owner" && newRole !== "owner" && others.length === 0) return "no owner would remain";
  return undefined;
}

export function commandArbitraries(): fc.Arbitrary<fc.AsyncCommand<Model, World>>[] {
  return [
    fc.constant(
      new Step(
        "register()",
        (m) => m.users.length < MAX_USERS,
        async (m, w) => {
          m.users.push(await signUp(w, newEmail(), false));
        },
      ),
    ),
    user.map(
      (u) =>
        new Step(
          `verify(user#${u})`,
          (m) => hasUser(m, u) && !m.users[u]?.verified && m.users[u]?.status === "active",
          async (m, w) => {
            const target = m.users[u];
            if (!target) return;
            await w.call("POST", "/api/v1/auth/resend-verification", {}, { email: target.email });
            const res = await w.call("POST", "/api/v1/auth/verify-email", {}, { token: w.tokenFor(target.email) });
            assert.equal(res.status, 200, "an active account confirms its address");
            target.verified = true;
          },
        ),
    ),
    user.map(
      (u) =>
        new Step(
          `login(user#${u})`,
          (m) => hasUser(m, u) && (m.users[u]?.factor?.recoveryCodes.length ?? 1) > 0,
          async (m, w) => {
            const target = m.users[u];
            if (!target) return;
            let res = await w.call(
              "POST",
              "/api/v1/auth/login",
              {},
              { email: target.email, password: STRONG_PASSWORD, clientType: "native" },
            );
            if (res.body.mfaRequired === true) {
              // The second step: a recovery code (deterministic, unlike a time step that one
              // run may already have used).
              assert.ok(target.factor, "only an account with a factor is asked for one");
              const recoveryCode = target.factor.recoveryCodes.shift();
              res = await w.call(
                "POST",
                "/api/v1/auth/mfa/verify",
                {},
                { ticket: res.body.ticket, recoveryCode, clientType: "native" },
              );
              assert.equal(res.status, 200, "the ticket and an unused recovery code complete the sign-in");
            } else
              assert.ok(
                !target.factor || !ok(res.status),
                "an account with a factor gets no tokens for its password alone",
              );
            // An account SSO created has no password (issue #24): it signs in through its IdP only.
            assert.equal(
              ok(res.status),
              target.status === "active" && !target.passwordless,
              `login answered ${res.status} for a ${target.status}${target.passwordless ? " password-less" : ""} account`,
            );
            if (ok(res.status)) {
              target.session = {
                accessToken: String(res.body.accessToken),
                refreshToken: String(res.body.refreshToken),
              };
            }
          },
        ),
    ),
    user.map(
      (u) =>
        new Step(
          `refresh(user#${u})`,
          (m) => signedIn(m, u),
          async (m, w) => {
            const session = m.users[u]?.session;
            if (!session) return;
            const res = await w.call("POST", "/api/v1/auth/refresh", {}, { refreshToken: session.refreshToken });
            assert.equal(res.status, 200, "a live session refreshes");
            session.accessToken = String(res.body.accessToken);
            session.refreshToken = String(res.body.refreshToken);
          },
        ),
    ),
    user.map(
      (u) =>
        new Step(
          `logout(user#${u})`,
          (m) => signedIn(m, u),
          async (m, w) => {
            const target = m.users[u];
            if (!target) return;
            const res = await w.call("POST", "/api/v1/auth/logout", headersOf(m, { user: u }) ?? {});
            assert.equal(res.status, 204);
            target.session = null;
          },
        ),
    ),
    user.map(
      (u) =>
        new Step(
          `createCompany(user#${u})`,
          (m) => signedIn(m, u) && m.companies.length < MAX_COMPANIES,
          async (m, w) => {
            const slug = `p-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
            const name = `Company ${m.companies.length}`;
            const res = await w.call("POST", "/api/v1/companies", headersOf(m, { user: u }) ?? {}, { name, slug });
            assert.equal(ok(res.status), m.users[u]?.verified === true, `create company answered ${res.status}`);
            if (ok(res.status)) {
              m.companies.push({
                id: String(res.body.id),
                slug,
                name,
                status: "active",
                members: new Map([[u, "owner"]]),
              });
            }
          },
        ),
    ),
    // Listed twice: the commands that grant, move and take away rights are where sequences break things.
    ...memberCommands(),
    ...memberCommands(),
    ...lifecycleCommands(),
    ...lifecycleCommands(),
    ...grantCommands(),
    ...grantCommands(),
  ];
}

function memberCommands(): fc.Arbitrary<fc.AsyncCommand<Model, World>>[] {
  return [
    fc.tuple(whoActor, company, user, role).map(
      ([sel, c, target, r]) =>
        new Step(
          (m) => `invite(${describeActor(resolveActor(m, c, sel))}, company#${c}, user#${target}, ${r})`,
          (m) => present(m, resolveActor(m, c, sel)) && m.companies[c] !== undefined && hasUser(m, target),
          async (m, w) => {
            const a = resolveActor(m, c, sel);
            const email = m.users[target]?.email as string;
            const res = await w.call("POST", `${base(m, c)}/invitations`, headersOf(m, a) ?? {}, { email, role: r });
            if (!ok(res.status)) return;
            if (!may(m, a, c, "members:invite")) mustNot(res.status, `${describeActor(a)} lacks members:invite`);
            const by = "user" in a ? { user: a.user } : { key: a.key };
            const invitation = {
              id: String(res.body.id),
              company: c,
              invitee: target,
              role: r,
              token: w.tokenFor(email),
              by,
            };
            assert.ok(grantorMay(m, { ...invitation, status: "pending" }), "the inviter may invite as this role");
            if ("user" in a) assert.ok(m.users[a.user]?.verified, "an unverified account never invites");
            m.invitations.push({ ...invitation, status: "pending" });
          },
        ),
    ),
    fc.nat({ max: 5 }).map(
      (i) =>
        new Step(
          `accept(invitation#${i})`,
          (m) => m.invitations[i] !== undefined && signedIn(m, m.invitations[i]?.invitee ?? -1),
          async (m, w) => {
            const inv = m.invitations[i];
            if (!inv) return;
            const res = await w.call("POST", "/api/v1/invitations/accept", headersOf(m, { user: inv.invitee }) ?? {}, {
              token: inv.token,
            });
            const c = m.companies[inv.company];
            const acceptable =
              inv.status === "pending" &&
              c?.status === "active" &&
              m.users[inv.invitee]?.verified === true &&
              !c.members.has(inv.invitee) &&
              grantorMay(m, inv);
            assert.equal(ok(res.status), acceptable, `accept answered ${res.status}; the model says ${acceptable}`);
            if (ok(res.status) && c) {
              c.members.set(inv.invitee, inv.role);
              inv.status = "accepted";
            }
          },
        ),
    ),
    fc.tuple(who, company, who, role).map(
      ([selU, c, selT, r]) =>
        new Step(
          (m) => `changeRole(user#${resolve(m, c, selU)}, company#${c}, user#${resolve(m, c, selT)}, ${r})`,
          (m) => signedIn(m, resolve(m, c, selU)) && hasUser(m, resolve(m, c, selT)),
          async (m, w) => {
            const [u, target] = [resolve(m, c, selU), resolve(m, c, selT)];
            const url = `${base(m, c)}/members/${m.users[target]?.id}`;
            const res = await w.call("PATCH", url, headersOf(m, { user: u }) ?? {}, { role: r });
            if (!ok(res.status)) return;
            if (!may(m, { user: u }, c, "members:update")) mustNot(res.status, "the actor lacks members:update");
            const broken = breaksMemberRules(m, { user: u }, c, target, r);
            if (broken) mustNot(res.status, broken);
            m.companies[c]?.members.set(target, r);
          },
        ),
    ),
    fc.tuple(who, company, who).map(
      ([selU, c, selT]) =>
        new Step(
          (m) => `remove(user#${resolve(m, c, selU)}, company#${c}, user#${resolve(m, c, selT)})`,
          (m) => signedIn(m, resolve(m, c, selU)) && hasUser(m, resolve(m, c, selT)),
          async (m, w) => {
            const [u, target] = [resolve(m, c, selU), resolve(m, c, selT)];
            const res = await w.call(
              "DELETE",
              `${base(m, c)}/members/${m.users[target]?.id}`,
              headersOf(m, { user: u }) ?? {},
            );
            if (!ok(res.status)) return;
            if (!may(m, { user: u }, c, "members:remove")) mustNot(res.status, "the actor lacks members:remove");
            const broken = breaksMemberRules(m, { user: u }, c, target);
            if (broken) mustNot(res.status, broken);
            m.companies[c]?.members.delete(target);
          },
        ),
    ),
    fc.tuple(who, company).map(
      ([sel, c]) =>
        new Step(
          (m) => `leave(user#${resolve(m, c, sel)}, company#${c})`,
          (m) => signedIn(m, resolve(m, c, sel)),
          async (m, w) => {
            const u = resolve(m, c, sel);
            const res = await w.call("POST", `${base(m, c)}/leave`, headersOf(m, { user: u }) ?? {});
            if (!ok(res.status)) return;
            const role = m.companies[c]?.members.get(u);
            if (role === undefined || m.companies[c]?.status !== "active") mustNot(res.status, "not an active member");
            if (role === "owner" && liveOwners(m, c).filter((o) => o !== u).length === 0)
              mustNot(res.status, "no owner would remain");
            m.companies[c]?.members.delete(u);
          },
        ),
    ),
    fc.tuple(who, company, user).map(([sel, c, target]) => transferStep(sel, c, target)),
  ];
}

export function transferStep(sel: Who, c: number, target: number): Step {
  return new Step(
    (m) => `transfer(user#${resolve(m, c, sel)}, company#${c}, user#${target})`,
    (m) => signedIn(m, resolve(m, c, sel)) && hasUser(m, target),
    async (m, w) => {
      const u = resolve(m, c, sel);
      const res = await w.call("POST", `${base(m, c)}/transfer-ownership`, headersOf(m, { user: u }) ?? {}, {
        userId: m.users[target]?.id,
      });
      if (!ok(res.status)) return;
      if (!may(m, { user: u }, c, "company:transfer")) mustNot(res.status, "the actor lacks company:transfer");
      if (!m.companies[c]?.members.has(target) || target === u) mustNot(res.status, "the target is not another member");
      m.companies[c]?.members.set(target, "owner");
      m.companies[c]?.members.set(u, "admin");
    },
  );
}

const soleOwnerSomewhere = (m: Model, u: number) =>
  m.companies.some((c, i) => c.status !== "deleted" && c.members.get(u) === "owner" && liveOwners(m, i).length === 1);

function lifecycleCommands(): fc.Arbitrary<fc.AsyncCommand<Model, World>>[] {
  return [
    fc.tuple(who, company).map(
      ([sel, c]) =>
        new Step(
          (m) => `deleteCompany(user#${resolve(m, c, sel)}, company#${c})`,
          (m) => signedIn(m, resolve(m, c, sel)),
          async (m, w) => {
            const u = resolve(m, c, sel);
            const res = await w.call("DELETE", base(m, c), headersOf(m, { user: u }) ?? {});
            if (!ok(res.status)) return;
            if (!may(m, { user: u }, c, "company:delete")) mustNot(res.status, "the actor lacks company:delete");
            (m.companies[c] as { status: string }).status = "deleted";
          },
        ),
    ),
    user.map((u) => deleteAccountStep(u)),
    fc.tuple(user, fc.boolean()).map(([u, suspend]) => setUserSuspendedStep(u, suspend)),
    fc.tuple(company, fc.boolean()).map(
      ([c, suspend]) =>
        new Step(
          `${suspend ? "suspend" : "unsuspend"}Company(company#${c})`,
          (m) => m.companies[c] !== undefined,
          async (m, w) => {
            const target = m.companies[c];
            if (!target) return;
            const res = await w.call(
              "POST",
              `/api/v1/admin/companies/${target.id}/${suspend ? "suspend" : "unsuspend"}`,
              w.operator,
            );
            assert.equal(
              ok(res.status),
              target.status !== "deleted",
              `answered ${res.status} for a ${target.status} company`,
            );
            if (ok(res.status)) target.status = suspend ? "suspended" : "active";
          },
        ),
    ),
  ];
}

function grantCommands(): fc.Arbitrary<fc.AsyncCommand<Model, World>>[] {
  const scopes = fc.subarray([...KEY_SCOPES], { minLength: 1 });
  return [
    fc.tuple(who, company, scopes).map(([sel, c, s]) => createKeyStep(sel, c, s)),
    fc.tuple(who, fc.nat({ max: MAX_KEYS - 1 })).map(
      ([sel, k]) =>
        new Step(
          (m) => `revokeKey(user#${resolve(m, m.keys[k]?.company ?? 0, sel)}, key#${k})`,
          (m) => m.keys[k] !== undefined && signedIn(m, resolve(m, m.keys[k]?.company ?? 0, sel)),
          async (m, w) => {
            const key = m.keys[k];
            if (!key) return;
            const u = resolve(m, key.company, sel);
            const res = await w.call(
              "DELETE",
              `${base(m, key.company)}/api-keys/${key.id}`,
              headersOf(m, { user: u }) ?? {},
            );
            if (!ok(res.status)) return;
            if (!may(m, { user: u }, key.company, "api_keys:manage"))
              mustNot(res.status, "the actor lacks api_keys:manage");
            key.revoked = true;
          },
        ),
    ),
    fc.tuple(whoActor, company, company).map(
      ([sel, c, other]) =>
        new Step(
          (m) => `requestPartnership(${describeActor(resolveActor(m, c, sel))}, company#${c}, company#${other})`,
          (m) =>
            present(m, resolveActor(m, c, sel)) &&
            m.companies[c] !== undefined &&
            m.companies[other] !== undefined &&
            c !== other,
          async (m, w) => {
            const a = resolveActor(m, c, sel);
            const body = { partnerSlug: m.companies[other]?.slug, scopes: [...PARTNER_SCOPES] };
            const res = await w.call("POST", `${base(m, c)}/partners`, headersOf(m, a) ?? {}, body);
            if (!ok(res.status)) return;
            if (!may(m, a, c, "partners:manage")) mustNot(res.status, `${describeActor(a)} lacks partners:manage`);
            m.partnerships.push({
              id: String(res.body.id),
              requester: c,
              partner: other,
              scopes: [...PARTNER_SCOPES],
              status: "pending",
            });
          },
        ),
    ),
    fc.tuple(whoActor, fc.nat({ max: 3 }), fc.constantFrom("accept", "revoke" as const)).map(([sel, p, decision]) => {
      const sideOf = (m: Model) => {
        const partnership = m.partnerships[p];
        return partnership ? (decision === "accept" ? partnership.partner : partnership.requester) : 0;
      };
      return new Step(
        (m) => `${decision}Partnership(${describeActor(resolveActor(m, sideOf(m), sel))}, partnership#${p})`,
        (m) => m.partnerships[p] !== undefined && present(m, resolveActor(m, sideOf(m), sel)),
        async (m, w) => {
          const partnership = m.partnerships[p];
          if (!partnership) return;
          const side = sideOf(m);
          const a = resolveActor(m, side, sel);
          const url = `${base(m, side)}/partners/${partnership.id}${decision === "accept" ? "/accept" : ""}`;
          const res = await w.call(decision === "accept" ? "POST" : "DELETE", url, headersOf(m, a) ?? {});
          if (!ok(res.status)) return;
          if (!may(m, a, side, "partners:manage")) mustNot(res.status, `${describeActor(a)} lacks partners:manage`);
          partnership.status = decision === "accept" ? "active" : "revoked";
        },
      );
    }),
    ...factorArbitraries(),
  ];
}

/** Second factors (issue #23): enrol, a company's policy, an operator's reset. */
export function factorArbitraries(): fc.Arbitrary<fc.AsyncCommand<Model, World>>[] {
  return [
    user.map((u) => enrolFactorStep(u)),
    fc.tuple(company, fc.nat({ max: 5 }), fc.boolean()).map(([c, k, on]) => setMfaPolicyStep({ member: k }, c, on)),
    user.map((u) => resetFactorsStep(u)),
  ];
}

export function enrolFactorStep(u: number): Step {
  return new Step(
    `enrolFactor(user#${u})`,
    (m) => signedIn(m, u) && !m.users[u]?.factor,
    async (m, w) => {
      const target = m.users[u];
      const headers = headersOf(m, { user: u }) ?? {};
      if (!target?.session) return;
      const enrol = await w.call("POST", "/api/v1/auth/factors/totp", headers, {});
      assert.equal(enrol.status, 201, "a signed-in account enrols");
      const secret = String(enrol.body.secret);
      const code = totpCodeAt(secret, w.h.clock.now().getTime());
      const confirm = await w.call("POST", `/api/v1/auth/factors/totp/${enrol.body.id}/confirm`, headers, { code });
      assert.equal(confirm.status, 200, "a current code confirms it");
      const recoveryCodes = (confirm.body.recoveryCodes as string[] | undefined) ?? [];
      assert.equal(recoveryCodes.length, 10);
      target.factor = { secret, recoveryCodes };
      // The session that proved the factor now carries it: its next token says so.
      const refreshed = await w.call("POST", "/api/v1/auth/refresh", {}, { refreshToken: target.session.refreshToken });
      assert.equal(refreshed.status, 200);
      // The same session goes on (an SSO one stays its connection's).
      target.session = {
        ...target.session,
        accessToken: String(refreshed.body.accessToken),
        refreshToken: String(refreshed.body.refreshToken),
      };
    },
  );
}

export function setMfaPolicyStep(sel: Who, c: number, on: boolean): Step {
  return new Step(
    (m) => `setMfaPolicy(user#${resolve(m, c, sel)}, company#${c}, ${on})`,
    (m) => signedIn(m, resolve(m, c, sel)) && m.companies[c] !== undefined,
    async (m, w) => {
      const u = resolve(m, c, sel);
      const res = await w.call("PUT", `${base(m, c)}/mfa-policy`, headersOf(m, { user: u }) ?? {}, { requireMfa: on });
      const target = m.companies[c];
      if (!ok(res.status) || !target) return;
      if (!may(m, { user: u }, c, "company:security")) mustNot(res.status, "the actor lacks company:security");
      target.requireMfa = on;
    },
  );
}

export function resetFactorsStep(u: number): Step {
  return new Step(
    `resetFactors(user#${u})`,
    (m) => hasUser(m, u),
    async (m, w) => {
      const target = m.users[u];
      if (!target) return;
      const res = await w.call("POST", `/api/v1/admin/users/${target.id}/reset-factors`, w.operator);
      assert.equal(
        ok(res.status),
        target.status !== "deleted",
        `answered ${res.status} for a ${target.status} account`,
      );
      if (ok(res.status)) target.factor = null;
    },
  );
}

export function deleteAccountStep(u: number): Step {
  return new Step(
    `deleteAccount(user#${u})`,
    (m) => signedIn(m, u),
    async (m, w) => {
      const res = await w.call("DELETE", "/api/v1/users/me", headersOf(m, { user: u }) ?? {}, {
        password: STRONG_PASSWORD,
      });
      const target = m.users[u];
      // The password confirms the deletion; an account SSO created has none, and its recent
      // sign-in (the route's step-up) is the proof instead — unless it enrolled a factor of its
      // own: step-up then wants that factor with a password it does not have (docs/sso.md,
      // "Second factors"). Either way the sole owner cannot.
      assert.equal(
        ok(res.status),
        !soleOwnerSomewhere(m, u) && !(target?.passwordless && target.factor),
        `delete account answered ${res.status}`,
      );
      if (!ok(res.status) || !target) return;
      target.status = "deleted";
      target.session = null;
      for (const c of m.companies) c.members.delete(u);
    },
  );
}

export function setUserSuspendedStep(u: number, suspend: boolean): Step {
  return new Step(
    `${suspend ? "suspend" : "unsuspend"}User(user#${u})`,
    (m) => hasUser(m, u),
    async (m, w) => {
      const target = m.users[u];
      if (!target) return;
      const res = await w.call(
        "POST",
        `/api/v1/admin/users/${target.id}/${suspend ? "suspend" : "unsuspend"}`,
        w.operator,
      );
      assert.equal(
        ok(res.status),
        target.status !== "deleted",
        `answered ${res.status} for a ${target.status} account`,
      );
      if (!ok(res.status)) return;
      target.status = suspend ? "suspended" : "active";
      if (suspend) target.session = null;
    },
  );
}

export function createKeyStep(sel: Who, c: number, s: Permission[]): Step {
  return new Step(
    (m) => `createKey(user#${resolve(m, c, sel)}, company#${c}, ${s.join(" ")})`,
    (m) => signedIn(m, resolve(m, c, sel)) && m.keys.length < MAX_KEYS,
    async (m, w) => {
      const u = resolve(m, c, sel);
      const res = await w.call("POST", `${base(m, c)}/api-keys`, headersOf(m, { user: u }) ?? {}, {
        name: "k",
        scopes: s,
      });
      if (!ok(res.status)) return;
      if (!may(m, { user: u }, c, "api_keys:manage")) mustNot(res.status, "the actor lacks api_keys:manage");
      const own = permissionsOfRole(actingRole(m, c, u));
      if (!s.every((scope) => own.has(scope))) mustNot(res.status, "a scope exceeds the creator's rights");
      m.keys.push({
        id: String(res.body.id),
        secret: String(res.body.key),
        company: c,
        creator: u,
        scopes: s,
        revoked: false,
      });
    },
  );
}
