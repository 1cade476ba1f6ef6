import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { InjectOptions } from "fastify";
import { operationsOf, renderAccessMatrix } from "../../../src/platform/access/matrix.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import { bearer, type IdentityHarness, identityHarness, STRONG_PASSWORD } from "../../helpers/identity.ts";
import { claimsOf, codeFor, ticketFor, userWithTotp, verifyMfa } from "../../helpers/mfa.ts";
import { createCompany, joinDirectly, makePlatformAdmin, newUser, type SignedIn } from "../../helpers/tenancy.ts";

type Inject = InjectOptions;

/** RFC 9470 §3: a 401 whose challenge names the error and the max age. */
function assertStepUpChallenge(
  res: { statusCode: number; headers: Record<string, unknown>; json(): unknown; body: string },
  factor: boolean,
) {
  assert.equal(res.statusCode, 401, res.body);
  assert.equal((res.json() as { code: string }).code, "auth.step_up_required");
  const challenge = String(res.headers["www-authenticate"]);
  assert.match(
    challenge,
    /^Bearer realm="rampart", error="insufficient_user_authentication", error_description="[^"]+", max_age=600/,
  );
  assert.equal(challenge.includes('acr_values="mfa"'), factor, challenge);
}

async function reauthenticate(h: IdentityHarness, token: string, payload: Record<string, unknown>) {
  const res = await h.app.inject({
    method: "POST",
    url: "/api/v1/auth/reauthenticate",
    headers: bearer(token),
    payload,
  });
  return res;
}

for (const engine of await enginesUnderTest()) {
  describe(`step-up for sensitive actions on ${engine.engine}`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    before(async () => {
      h = await identityHarness(engine);
    });
    after(() => h?.close());

    /** Each action: refused with the challenge once auth_time is stale, allowed after reauthentication. */
    async function staleThenReauthenticated(user: SignedIn, request: (token: string) => Inject, okStatus: number) {
      h.clock.advance(601);
      assertStepUpChallenge(await h.app.inject(request(user.accessToken)), false);
      const reauth = await reauthenticate(h, user.accessToken, { password: STRONG_PASSWORD });
      assert.equal(reauth.statusCode, 200, reauth.body);
      const body = reauth.json();
      assert.deepEqual(body.amr, ["pwd"]);
      // Renewed now (the request took well under 5 s), not at the sign-in 601 s ago.
      const nowS = h.clock.now().getTime() / 1000;
      assert.ok(nowS - body.authTime < 5 && body.authTime <= nowS, `${body.authTime} vs ${nowS}`);
      assert.equal(claimsOf(body.accessToken).auth_time, body.authTime);
      assert.equal(claimsOf(body.accessToken).sid, claimsOf(user.accessToken).sid, "the same session");
      const res = await h.app.inject(request(body.accessToken));
      assert.equal(res.statusCode, okStatus, res.body);
    }

    it("creating an API key", async () => {
      const owner = await newUser(h, "keys");
      const company = await createCompany(h.app, owner, `keys-${Date.now()}`);
      await staleThenReauthenticated(
        owner,
        (token) => ({
          method: "POST",
          url: `/api/v1/companies/${company.id}/api-keys`,
          headers: bearer(token),
          payload: { name: "ci", scopes: ["members:read"] },
        }),
        201,
      );
    });

    it("making a member admin (but not making one a viewer)", async () => {
      const owner = await newUser(h, "promote");
      const member = await newUser(h, "promoted");
      const company = await createCompany(h.app, owner, `promote-${Date.now()}`);
      await joinDirectly(h, company.id, member, "member");
      h.clock.advance(601);
      const demote = await h.app.inject({
        method: "PATCH",
        url: `/api/v1/companies/${company.id}/members/${member.userId}`,
        headers: owner.headers,
        payload: { role: "viewer" },
      });
      assert.equal(demote.statusCode, 204, "a change that grants no power needs no step-up");
      h.clock.advance(-601);
      await staleThenReauthenticated(
        owner,
        (token) => ({
          method: "PATCH",
          url: `/api/v1/companies/${company.id}/members/${member.userId}`,
          headers: bearer(token),
          payload: { role: "admin" },
        }),
        204,
      );
    });

    it("transferring ownership", async () => {
      const owner = await newUser(h, "transfer");
      const next = await newUser(h, "heir");
      const company = await createCompany(h.app, owner, `transfer-${Date.now()}`);
      await joinDirectly(h, company.id, next, "admin");
      await staleThenReauthenticated(
        owner,
        (token) => ({
          method: "POST",
          url: `/api/v1/companies/${company.id}/transfer-ownership`,
          headers: bearer(token),
          payload: { userId: next.userId },
        }),
        204,
      );
    });

    it("deleting a company", async () => {
      const owner = await newUser(h, "delco");
      const company = await createCompany(h.app, owner, `delco-${Date.now()}`);
      await staleThenReauthenticated(
        owner,
        (token) => ({ method: "DELETE", url: `/api/v1/companies/${company.id}`, headers: bearer(token) }),
        204,
      );
    });

    it("changing the password", async () => {
      const user = await newUser(h, "chpw");
      await staleThenReauthenticated(
        user,
        (token) => ({
          method: "POST",
          url: "/api/v1/auth/password/change",
          headers: bearer(token),
          payload: { currentPassword: STRONG_PASSWORD, newPassword: "amber-tundra-quartz-77" },
        }),
        204,
      );
    });

    it("deleting the account", async () => {
      const user = await newUser(h, "delme");
      await staleThenReauthenticated(
        user,
        (token) => ({
          method: "DELETE",
          url: "/api/v1/users/me",
          headers: bearer(token),
          payload: { password: STRONG_PASSWORD },
        }),
        204,
      );
    });

    it("confirming a new factor (an old stolen session cannot add its own)", async () => {
      const user = await newUser(h, "enrol-late");
      const enrol = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/factors/totp",
        headers: user.headers,
        payload: {},
      });
      const { id, secret } = enrol.json() as { id: string; secret: string };
      await staleThenReauthenticated(
        user,
        (token) => ({
          method: "POST",
          url: `/api/v1/auth/factors/totp/${id}/confirm`,
          headers: bearer(token),
          payload: { code: codeFor(h, secret) },
        }),
        200,
      );
    });

    it("a platform-admin write (suspending a user), not an admin read", async () => {
      const admin = await newUser(h, "admin");
      await makePlatformAdmin(h, admin.userId);
      const target = await newUser(h, "target");
      h.clock.advance(601);
      const read = await h.app.inject({ method: "GET", url: "/api/v1/admin/users", headers: admin.headers });
      assert.equal(read.statusCode, 200, "reads need no step-up");
      h.clock.advance(-601);
      await staleThenReauthenticated(
        admin,
        (token) => ({ method: "POST", url: `/api/v1/admin/users/${target.userId}/suspend`, headers: bearer(token) }),
        200,
      );
    });

    it("a fresh sign-in passes without reauthenticating", async () => {
      const owner = await newUser(h, "fresh");
      const company = await createCompany(h.app, owner, `fresh-${Date.now()}`);
      h.clock.advance(599);
      const res = await h.app.inject({
        method: "DELETE",
        url: `/api/v1/companies/${company.id}`,
        headers: owner.headers,
      });
      assert.equal(res.statusCode, 204, res.body);
    });

    it("an account with a factor needs it: the challenge asks for it, the password alone does not reauthenticate", async () => {
      const user = await userWithTotp(h, `stepup-factor-${Date.now()}@example.com`);
      h.clock.advance(300);
      // A session from before the factor (amr [pwd]) is not strong enough, however recent.
      assertStepUpChallenge(
        await h.app.inject({ method: "POST", url: "/api/v1/auth/recovery-codes", headers: bearer(user.accessToken) }),
        true,
      );
      const passwordOnly = await reauthenticate(h, user.accessToken, { password: STRONG_PASSWORD });
      assert.equal(passwordOnly.statusCode, 422);
      assert.equal(passwordOnly.json().code, "mfa.factor_required");
      const wrong = await reauthenticate(h, user.accessToken, { code: codeFor(h, user.secret, 5) });
      assert.equal(wrong.json().code, "mfa.wrong_code");
      const reauth = await reauthenticate(h, user.accessToken, { code: codeFor(h, user.secret) });
      assert.equal(reauth.statusCode, 200, reauth.body);
      assert.deepEqual(reauth.json().amr, ["pwd", "otp", "mfa"]);
      const codes = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/recovery-codes",
        headers: bearer(reauth.json().accessToken),
      });
      assert.equal(codes.statusCode, 200, codes.body);
      assert.equal(codes.json().codes.length, 10);
    });

    it("the OpenAPI document and the access matrix list step-up routes", async () => {
      const document = h.app.swagger() as unknown as { paths: Record<string, Record<string, Record<string, unknown>>> };
      const matrix = renderAccessMatrix(operationsOf(document as Parameters<typeof operationsOf>[0]));
      assert.ok(
        matrix.includes("| `POST /api/v1/companies/{companyId}/api-keys` | `api_keys:manage`, step-up |"),
        matrix,
      );
      assert.ok(matrix.includes("`members:update`, step-up (the new role is admin or owner)"));
      const stepUp = (path: string, method: string) => document.paths[path]?.[method]?.["x-rampart-step-up"];
      assert.equal(stepUp("/api/v1/companies/{companyId}/api-keys", "post"), "always");
      assert.equal(stepUp("/api/v1/companies/{companyId}/members/{userId}", "patch"), "the new role is admin or owner");
      assert.equal(stepUp("/api/v1/admin/users/{id}/suspend", "post"), "always");
      assert.equal(stepUp("/api/v1/admin/users", "get"), undefined);
      assert.equal(stepUp("/api/v1/auth/factors/{id}", "delete"), "always");
    });
  });
}

describe("signing in with a recovery code", () => {
  let h: IdentityHarness;
  before(async () => {
    const [engine] = await enginesUnderTest();
    if (!engine) throw new Error("no engine");
    h = await identityHarness(engine);
  });
  after(() => h?.close());

  it("works once per code, is audited and mailed; regenerating voids the old set", async () => {
    const user = await userWithTotp(h, "recovery@example.com");
    const [first, second] = user.recoveryCodes;
    assert.ok(first && second);
    const { ticket } = await ticketFor(h, "recovery@example.com");
    const ok = await verifyMfa(h, { ticket, recoveryCode: first.toUpperCase() });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(claimsOf(ok.json().accessToken).amr, ["pwd", "otp", "mfa"]);
    const again = await ticketFor(h, "recovery@example.com");
    const reused = await verifyMfa(h, { ticket: again.ticket, recoveryCode: first });
    assert.equal(reused.statusCode, 401);
    assert.equal(reused.json().code, "mfa.invalid_code");
    const audit = await h.database.handle.db
      .selectFrom("audit_events")
      .select("action")
      .where("target_id", "=", user.userId)
      .where("action", "=", "mfa.recovery_code_used")
      .execute();
    assert.equal(audit.length, 1);
    assert.ok(h.mails().some((m) => m.includes("recovery@example.com") && m.includes("recovery code")));

    const list = await h.app.inject({
      method: "GET",
      url: "/api/v1/auth/factors",
      headers: bearer(ok.json().accessToken),
    });
    assert.equal(list.json().recoveryCodesRemaining, 9);
    const regenerated = await h.app.inject({
      method: "POST",
      url: "/api/v1/auth/recovery-codes",
      headers: bearer(ok.json().accessToken),
    });
    assert.equal(regenerated.statusCode, 200, regenerated.body);
    const fresh = regenerated.json().codes as string[];
    assert.equal(fresh.length, 10);
    assert.equal(new Set(fresh).size, 10);
    const old = await ticketFor(h, "recovery@example.com");
    assert.equal((await verifyMfa(h, { ticket: old.ticket, recoveryCode: second })).statusCode, 401);
    const renewed = await ticketFor(h, "recovery@example.com");
    assert.equal((await verifyMfa(h, { ticket: renewed.ticket, recoveryCode: fresh[0] })).statusCode, 200);
    const rows = await h.database.handle.db
      .selectFrom("recovery_codes")
      .select("code_hash")
      .where("user_id", "=", user.userId)
      .execute();
    assert.ok(
      rows.every((r) => !fresh.some((code) => r.code_hash.includes(code))),
      "stored hashed",
    );
  });
});
