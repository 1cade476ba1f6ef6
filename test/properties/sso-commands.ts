import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { followToCallback } from "../helpers/oidc-provider.ts";
import { base, company, MAX_USERS, may, ok, present, resolveActor, Step, type Who, whoActor } from "./commands.ts";
import { describeActor, type MappedRole, type Model, predictJit } from "./model.ts";
import { headersOf, newEmail, SSO_CALLBACK, signUp, type World } from "./world.ts";

/*
 * Issue #24: single sign-on as ordinary commands of the model run. An owner or admin
 * (sso:manage) connects the world's one IdP to a company as docs/sso.md says (claim a
 * domain, publish its TXT record, verify, create the connection with a role mapping); then
 * people sign in through the real OIDC code flow and get their account and membership just
 * in time. After every command the invariants of world.ts hold — for the members SSO made too.
 */

/** Just-in-time accounts may take the model this far beyond what register() adds. */
const MAX_JIT_USERS = MAX_USERS + 2;
/** The IdP groups people may be in; "g-owner" is one no mapping can name. */
const GROUPS = ["g-admin", "g-manager", "g-member", "g-viewer", "g-owner"] as const;
const MAPPED_ROLES = ["admin", "manager", "member", "viewer"] as const;

type Mapping = { readonly roles: Readonly<Record<string, MappedRole>>; readonly defaultRole: MappedRole };
export const mapping: fc.Arbitrary<Mapping> = fc.record({
  roles: fc.dictionary(fc.constantFrom(...GROUPS.slice(0, 4)), fc.constantFrom(...MAPPED_ROLES), { maxKeys: 4 }),
  defaultRole: fc.constantFrom(...MAPPED_ROLES),
});

/** Who signs in: someone new at the domain, the k-th known account at it, or an address of another domain. */
export type Person = { readonly fresh: true } | { readonly known: number } | { readonly foreign: number };
const person: fc.Arbitrary<Person> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ fresh: true as const }) },
  { weight: 3, arbitrary: fc.nat({ max: 3 }).map((k) => ({ known: k })) },
  { weight: 1, arbitrary: fc.nat({ max: 6 }).map((k) => ({ foreign: k })) },
);

export function ssoArbitraries(): fc.Arbitrary<fc.AsyncCommand<Model, World>>[] {
  const jit = fc
    .tuple(fc.nat({ max: 2 }), person, fc.subarray([...GROUPS]))
    .map(([k, p, groups]) => jitSignInStep({ connected: k }, p, groups));
  const connect = fc.tuple(whoActor, company, mapping).map(([sel, c, map]) => connectSsoStep(sel, c, map));
  const toggle = fc
    .tuple(whoActor, fc.nat({ max: 2 }), fc.boolean())
    .map(([sel, k, on]) => setSsoEnabledStep(sel, { connected: k }, on));
  // Weighted by repetition (fc.commands picks uniformly among the arbitraries): a sign-in
  // needs a connected company first, and the sign-ins are what this file is about.
  const register = company.map((c) => registerAtStep(c));
  return [connect, connect, connect, register, toggle, toggle, jit, jit, jit, jit, jit, jit, jit, jit];
}

/** The domain's claim, its TXT record, its verification, the connection: every call as `a`. */
export function connectSsoStep(sel: { readonly who: Who } | { readonly key: number }, c: number, map: Mapping): Step {
  return new Step(
    (m) =>
      `connectSso(${describeActor(resolveActor(m, c, sel))}, company#${c}, ${JSON.stringify(map.roles)} else ${map.defaultRole})`,
    (m) => present(m, resolveActor(m, c, sel)) && m.companies[c] !== undefined && !m.companies[c]?.sso,
    async (m, w) => {
      const a = resolveActor(m, c, sel);
      const headers = headersOf(m, a) ?? {};
      const allowed = may(m, a, c, "sso:manage");
      const domain = `jit-${randomBytes(4).toString("hex")}.test`;
      const claim = await w.call("POST", `${base(m, c)}/sso/domains`, headers, { domain });
      assert.equal(ok(claim.status), allowed, `claiming a domain answered ${claim.status}; sso:manage is ${allowed}`);
      if (!allowed) return;
      const txt = claim.body.txtRecord as { name: string; value: string };
      w.sso.dns.setTxt(txt.name, [txt.value]);
      const verified = await w.call("POST", `${base(m, c)}/sso/domains/${claim.body.id}/verify`, headers);
      assert.equal(verified.status, 200, "the published record verifies the domain");
      const connection = (roles: Record<string, string>) => ({
        name: "Property IdP",
        protocol: "oidc",
        oidc: {
          issuer: w.sso.idp.issuer,
          clientId: w.sso.idp.clientId,
          clientSecret: w.sso.idp.clientSecret,
          scopes: ["openid", "email", "profile", "groups"],
        },
        mapping: { roles, defaultRole: map.defaultRole },
      });
      // No mapping names an owner: owners are made in Rampart only.
      const owner = await w.call("POST", `${base(m, c)}/sso/connections`, headers, connection({ "g-owner": "owner" }));
      assert.equal(owner.status, 422, "a mapping that names an owner is refused");
      const created = await w.call("POST", `${base(m, c)}/sso/connections`, headers, connection({ ...map.roles }));
      assert.equal(created.status, 201, "an owner or admin connects the company's IdP");
      const target = m.companies[c];
      if (!target) return;
      target.sso = { domain, connectionId: String(created.body.id), ...map, enabled: true };
      w.stats.connected++;
    },
  );
}

/** A password account at company c's domain (not yet verified): SSO may later sign it in. */
export function registerAtStep(c: number): Step {
  return new Step(
    `registerAt(company#${c})`,
    (m) => m.users.length < MAX_USERS && m.companies[c]?.sso !== undefined,
    async (m, w) => {
      m.users.push(await signUp(w, newEmail(m.companies[c]?.sso?.domain), false));
    },
  );
}

function addressOf(m: Model, c: number, p: Person): string | undefined {
  const domain = m.companies[c]?.sso?.domain;
  if (domain === undefined) return undefined;
  if ("fresh" in p) return newEmail(domain);
  const at = (d: string) => m.users.filter((u) => u.email.endsWith(`@${d}`));
  if ("known" in p) {
    const known = at(domain);
    // Nobody at the domain yet: the first one.
    return known.length === 0 ? newEmail(domain) : known[p.known % known.length]?.email;
  }
  // Another domain: a known address elsewhere (another company's verified domain, example.com), or a new one.
  const elsewhere = m.users.filter((u) => !u.email.endsWith(`@${domain}`));
  return elsewhere[p.foreign]?.email ?? newEmail(`unverified-${randomBytes(3).toString("hex")}.test`);
}

/** The user index an address names in the model, for the labels. */
function named(m: Model, email: string): string {
  const i = m.users.findIndex((u) => u.email === email && u.status !== "deleted");
  return i === -1 ? email.replace(/^p\d+-\d+/, "new") : `user#${i}`;
}

/** The k-th company with SSO (whatever its status): a sign-in always has an IdP to go through. */
function connectedCompany(m: Model, sel: number | { readonly connected: number }): number {
  if (typeof sel === "number") return sel;
  const connected = m.companies.flatMap((c, i) => (c.sso ? [i] : []));
  return connected.length === 0 ? -1 : (connected[sel.connected % connected.length] as number);
}

export function jitSignInStep(
  sel: number | { readonly connected: number },
  p: Person,
  groups: readonly string[],
): Step {
  let email: string | undefined;
  let c = -1;
  return new Step(
    (m) => {
      c = connectedCompany(m, sel);
      email = addressOf(m, c, p);
      return `jitSignIn(${email ? named(m, email) : "nobody"}, company#${c}, [${groups.join(" ")}])`;
    },
    (m) =>
      m.companies[connectedCompany(m, sel)]?.sso !== undefined &&
      // A sign-in that may create an account needs room for it; one from another domain never creates.
      ("foreign" in p ||
        m.users.length < MAX_JIT_USERS ||
        ("known" in p &&
          m.users.some((u) => u.email.endsWith(`@${m.companies[connectedCompany(m, sel)]?.sso?.domain}`)))),
    async (m, w) => {
      if (!email) return;
      const sso = m.companies[c]?.sso;
      const target = m.companies[c];
      if (!sso || !target) return;
      const want = predictJit(m, c, email, groups);
      w.sso.idp.accounts.set(email, {
        sub: email,
        email,
        email_verified: true,
        name: "Jit Person",
        groups: [...groups],
      });
      // Home-realm discovery by address; an address of another domain comes through the company's slug.
      const foreign = !email.endsWith(`@${sso.domain}`);
      const start = await w.call(
        "POST",
        "/api/v1/auth/sso/start",
        {},
        foreign ? { companySlug: target.slug } : { email },
      );
      assert.equal(start.status, 200, "discovery always answers 200");
      const redirectUrl = String(start.body.redirectUrl);
      let status = 0;
      let body: Record<string, unknown> = {};
      let cookie: string | undefined;
      if (redirectUrl.startsWith(w.sso.idp.issuer)) {
        w.sso.idp.signInAs(email);
        const url = await followToCallback(redirectUrl, SSO_CALLBACK);
        const res = await w.h.app.inject({
          method: "GET",
          url: `${url.pathname}${url.search}`,
          headers: { accept: "application/json" },
        });
        assert.ok(res.statusCode < 500, `the callback answered ${res.statusCode}: ${res.body}`);
        status = res.statusCode;
        body = res.json() as Record<string, unknown>;
        cookie = [res.headers["set-cookie"]]
          .flat()
          .find((c) => c?.startsWith("rampart_refresh="))
          ?.split(";")[0]
          ?.slice("rampart_refresh=".length);
      } else {
        // No IdP behind it (the company is not active, or its connection disabled): the app's own sign-in page.
        assert.equal(want.kind, "refused", `discovery found no IdP for ${email}`);
      }
      if (want.kind === "refused") {
        w.stats.jitRefused++;
        // Status 0: discovery sent the browser to the app's own sign-in page, no IdP involved.
        if (status !== 0) assert.equal(status, 403, `answered ${status} although ${want.why}`);
        const rows = await w.h.database.handle.db.selectFrom("users").select("id").where("email", "=", email).execute();
        const known = m.users.some((u) => u.email === email && u.status !== "deleted");
        assert.equal(rows.length, known ? 1 : 0, "a refused sign-in creates no account");
        return;
      }
      assert.equal(
        status,
        200,
        `the sign-in answered ${status} (${JSON.stringify(body)}); the model says ${want.kind}`,
      );
      const user = body.user as { id: string; email: string; emailVerified: boolean };
      assert.equal(user.email, email);
      assert.equal(user.emailVerified, true, "the IdP's word verifies the address");
      assert.ok(cookie, "the refresh token comes in its cookie");
      const session = { accessToken: String(body.accessToken), refreshToken: cookie, sso: sso.connectionId };
      let index: number;
      if (want.kind === "created") {
        index = m.users.push({ id: user.id, email, status: "active", verified: true, passwordless: true, session }) - 1;
        w.stats.jitCreated++;
      } else {
        index = want.user;
        const known = m.users[index];
        assert.equal(known?.id, user.id, "the address's account, not a second one");
        if (!known) return;
        known.verified = true;
        known.session = session;
        w.stats.jitUpdated++;
      }
      target.members.set(index, want.role);
    },
  );
}

/** Disabling a connection refuses its sign-ins and ends every session it started; enabling lets them in again. */
export function setSsoEnabledStep(
  sel: { readonly who: Who } | { readonly key: number },
  at: { readonly connected: number },
  on: boolean,
): Step {
  return new Step(
    (m) => {
      const c = connectedCompany(m, at);
      return `${on ? "enable" : "disable"}Sso(${describeActor(resolveActor(m, c, sel))}, company#${c})`;
    },
    (m) => {
      const c = connectedCompany(m, at);
      return m.companies[c]?.sso !== undefined && present(m, resolveActor(m, c, sel));
    },
    async (m, w) => {
      const c = connectedCompany(m, at);
      const sso = m.companies[c]?.sso;
      if (!sso) return;
      const a = resolveActor(m, c, sel);
      const url = `${base(m, c)}/sso/connections/${sso.connectionId}/${on ? "enable" : "disable"}`;
      const res = await w.call("POST", url, headersOf(m, a) ?? {});
      const allowed = may(m, a, c, "sso:manage");
      assert.equal(ok(res.status), allowed, `answered ${res.status}; sso:manage is ${allowed}`);
      if (!allowed) return;
      sso.enabled = on;
      if (on) return;
      for (const u of m.users) {
        if (u.session?.sso !== sso.connectionId) continue;
        const me = await w.call("GET", "/api/v1/users/me", headersOf(m, { user: m.users.indexOf(u) }) ?? {});
        assert.equal(me.status, 401, `${u.email}'s SSO session ended with its connection`);
        u.session = null;
        w.stats.ssoSessionsEnded++;
      }
    },
  );
}
