import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness, STRONG_PASSWORD } from "../../helpers/identity.ts";
import { makePlatformAdmin, newUser, type SignedIn } from "../../helpers/tenancy.ts";

// POST /admin/users/{id}/unlock: an operator lifts the sign-in lockout of an account's
// address (identity/admin-unlock.ts), through real HTTP on both engines.

const MAX_FAILURES = 3;

for (const engine of await enginesUnderTest()) {
  describe(`operator unlock (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let admin: SignedIn;
    before(async () => {
      h = await identityHarness(engine, { LOGIN_MAX_FAILURES: String(MAX_FAILURES) });
      admin = await newUser(h, "operator");
      await makePlatformAdmin(h, admin.userId);
    });
    after(() => h.close());

    const login = (email: string, password: string) =>
      h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email, password, clientType: "native" },
      });
    const unlock = (by: SignedIn, id: string) =>
      h.app.inject({ method: "POST", url: `/api/v1/admin/users/${id}/unlock`, headers: by.headers });
    const lockOut = async (email: string) => {
      for (let i = 0; i < MAX_FAILURES; i++) assert.equal((await login(email, "wrong-password-1")).statusCode, 401);
      const refused = await login(email, STRONG_PASSWORD);
      assert.equal(refused.statusCode, 401, "the right password is refused while locked");
      assert.equal(refused.json().code, "auth.invalid_credentials");
      assert.ok(Number(refused.headers["retry-after"]) > 0, "with the time left");
    };
    const unlockEvents = (userId: string) =>
      h.database.handle.db
        .selectFrom("audit_events")
        .selectAll()
        .where("action", "=", "user.unlocked")
        .where("target_id", "=", userId)
        .execute();
    const listed = async (userId: string) => {
      const page = await h.app.inject({ url: "/api/v1/admin/users?limit=100", headers: admin.headers });
      assert.equal(page.statusCode, 200);
      return page.json().items.find((u: { id: string }) => u.id === userId) as { lockedUntil: string | null };
    };

    it("a locked-out user signs in with the right password once an operator unlocked them", async () => {
      const victim = await newUser(h, "locked");
      await lockOut(victim.email);
      const lockedUntil = (await listed(victim.userId)).lockedUntil;
      assert.ok(lockedUntil && lockedUntil > h.clock.nowIso(), "the admin listing shows the lockout");

      const unlocked = await unlock(admin, victim.userId);
      assert.equal(unlocked.statusCode, 200, unlocked.body);
      assert.equal(unlocked.json().id, victim.userId);
      assert.equal(unlocked.json().status, "active");
      assert.equal(unlocked.json().lockedUntil, null);
      assert.equal((await listed(victim.userId)).lockedUntil, null);

      const events = await unlockEvents(victim.userId);
      assert.equal(events.length, 1);
      const [event] = events;
      assert.equal(event?.stream, "platform");
      assert.equal(event?.actor_type, "user");
      assert.equal(event?.actor_id, admin.userId);
      assert.equal(event?.target_type, "user");
      const metadata = JSON.parse(String(event?.metadata));
      assert.equal(metadata.wasLocked, true);
      assert.equal(metadata.lockoutsCleared, 1);

      const signedIn = await login(victim.email, STRONG_PASSWORD);
      assert.equal(signedIn.statusCode, 200, signedIn.body);
    });

    it("resets the lockout count too: the next lockout lasts the first one's minute again", async () => {
      const victim = await newUser(h, "twice");
      await lockOut(victim.email);
      assert.equal((await unlock(admin, victim.userId)).statusCode, 200);
      for (let i = 0; i < MAX_FAILURES; i++) await login(victim.email, "wrong-password-2");
      const refused = await login(victim.email, STRONG_PASSWORD);
      assert.equal(refused.statusCode, 401);
      // Without the reset the second lockout would double to 120 s.
      assert.ok(Number(refused.headers["retry-after"]) <= 60, `Retry-After ${refused.headers["retry-after"]}`);
    });

    it("is idempotent: a user who is not locked gets 200 and no event is recorded", async () => {
      const free = await newUser(h, "free");
      const first = await unlock(admin, free.userId);
      assert.equal(first.statusCode, 200);
      assert.equal(first.json().lockedUntil, null);
      assert.equal((await unlock(admin, free.userId)).statusCode, 200);
      assert.deepEqual(await unlockEvents(free.userId), []);
      assert.equal((await login(free.email, STRONG_PASSWORD)).statusCode, 200);
    });

    it("is for platform admins only: 403 for a user, the lockout stays", async () => {
      const victim = await newUser(h, "still-locked");
      const other = await newUser(h, "not-admin");
      await lockOut(victim.email);
      const denied = await unlock(other, victim.userId);
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().code, "access.platform_admin_required");
      assert.equal((await login(victim.email, STRONG_PASSWORD)).statusCode, 401, "still locked");
      assert.deepEqual(await unlockEvents(victim.userId), []);
      const anonymous = await h.app.inject({ method: "POST", url: `/api/v1/admin/users/${victim.userId}/unlock` });
      assert.equal(anonymous.statusCode, 401);
    });

    it("answers 404 for an unknown user and 422 for a malformed id", async () => {
      const unknown = await unlock(admin, "0190a0a0-0000-7000-8000-000000000000");
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, "user.not_found");
      assert.match(String(unknown.headers["content-type"]), /application\/problem\+json/);
      const malformed = await unlock(admin, "not-a-uuid");
      assert.equal(malformed.statusCode, 422);
      assert.match(String(malformed.headers["content-type"]), /application\/problem\+json/);
    });
  });
}
