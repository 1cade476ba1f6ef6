import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { App } from "../../../src/app.ts";
import { switchChangeRecorder } from "../../../src/modules/audit/index.ts";
import { systemClock } from "../../../src/platform/clock.ts";
import { setFlag, setKillSwitch } from "../../../src/platform/switches/control.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import { bearer, type IdentityHarness, identityHarness, register, signedInUser } from "../../helpers/identity.ts";
import { makePlatformAdmin } from "../../helpers/tenancy.ts";
import { waitFor } from "../../helpers/wait.ts";

const METRICS_TOKEN = "metrics-token-for-tests-0123456789";
const engines = await enginesUnderTest();

async function statusOf(app: App, url: string): Promise<number> {
  return (await app.inject({ method: "GET", url })).statusCode;
}

for (const engine of engines) {
  describe(`kill switch and feature flags (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let admin: { accessToken: string; userId: string };
    let member: { accessToken: string; userId: string };
    const control = () => ({
      db: h.database.handle.db,
      clock: systemClock,
      announce: async () => false,
      record: switchChangeRecorder(systemClock),
    });

    before(async () => {
      h = await identityHarness(engine, {
        PLATFORM_STATE_POLL_MS: "100",
        METRICS_TOKEN,
        KILL_SWITCH_ALLOWED_PATHS: "/.well-known/jwks.json,/api/v1/auth/password/*",
      });
      admin = await signedInUser(h, "admin@example.com");
      member = await signedInUser(h, "member@example.com");
      await makePlatformAdmin(h, admin.userId);
    });
    after(() => h.close());

    describe("while on", () => {
      before(async () => {
        await setKillSwitch(
          control(),
          { enabled: true, reason: "Scheduled maintenance until 15:00 UTC", retryAfterSeconds: 120 },
          "cli:ops",
        );
        await waitFor(async () => (await statusOf(h.app, "/api/v1/users/me")) === 503, 10_000, "the kill switch");
      });
      after(async () => {
        await setKillSwitch(control(), { enabled: false }, "cli:ops");
        await waitFor(async () => (await statusOf(h.app, "/api/v1/users/me")) === 401, 10_000, "the switch lifted");
      });

      it("answers every route, authenticated or not, with 503, Retry-After and the public reason", async () => {
        for (const request of [
          { method: "GET", url: "/api/v1/users/me", headers: bearer(member.accessToken) },
          { method: "GET", url: "/api/v1/users/me" },
          { method: "POST", url: "/api/v1/auth/register", payload: { email: "x@example.com" } },
          { method: "GET", url: "/openapi.json" },
          { method: "GET", url: "/api/users/me" },
        ] as const) {
          const res = await h.app.inject(request);
          assert.equal(res.statusCode, 503, `${request.method} ${request.url}`);
          assert.equal(res.headers["retry-after"], "120");
          assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
          const body = res.json();
          assert.equal(body.code, "service.kill_switch");
          assert.equal(body.detail, "Scheduled maintenance until 15:00 UTC");
          assert.equal(res.headers["x-content-type-options"], "nosniff", "edge headers still apply");
          // A refusal the operators chose is one info request line, not an error line with a stack.
          const lines = h.logs.lines().filter((l) => l.requestId === res.headers["x-request-id"]);
          assert.deepEqual(
            lines.map((l) => [l.level, l.msg]),
            [["info", "request completed"]],
          );
        }
      });

      it("still serves the probes and the metrics", async () => {
        for (const url of ["/health", "/health/live", "/health/ready"])
          assert.equal(await statusOf(h.app, url), 200, url);
        const metrics = await h.app.inject({
          method: "GET",
          url: "/metrics",
          headers: { authorization: `Bearer ${METRICS_TOKEN}` },
        });
        assert.equal(metrics.statusCode, 200);
        assert.match(metrics.body, /^rampart_kill_switch_enabled 1$/m);
        assert.match(metrics.body, /^rampart_feature_flag_enabled\{flag="signup"\} 1$/m);
      });

      it("still serves KILL_SWITCH_ALLOWED_PATHS (exact and trailing *)", async () => {
        assert.equal(await statusOf(h.app, "/.well-known/jwks.json"), 200);
        const forgot = await h.app.inject({
          method: "POST",
          url: "/api/v1/auth/password/forgot",
          payload: { email: "admin@example.com" },
        });
        assert.equal(forgot.statusCode, 202, "/api/v1/auth/password/* is allowed: the route itself answers");
        const login = await h.app.inject({
          method: "POST",
          url: "/api/v1/auth/login",
          payload: { email: "admin@example.com", password: "wrong-password-123" },
        });
        assert.equal(login.statusCode, 503, "a path outside the list is refused");
      });

      it("still serves the kill-switch admin endpoints, so it can be lifted over the API", async () => {
        const res = await h.app.inject({
          method: "GET",
          url: "/api/v1/admin/kill-switch",
          headers: bearer(admin.accessToken),
        });
        assert.equal(res.statusCode, 200);
        assert.deepEqual(
          { ...(res.json() as object), updatedAt: undefined },
          {
            enabled: true,
            reason: "Scheduled maintenance until 15:00 UTC",
            retryAfterSeconds: 120,
            updatedBy: "cli:ops",
            updatedAt: undefined,
          },
        );
        const flags = await h.app.inject({
          method: "GET",
          url: "/api/v1/admin/flags",
          headers: bearer(admin.accessToken),
        });
        assert.equal(flags.statusCode, 503, "only the kill-switch endpoints are exempt");
      });
    });

    describe("admin API", () => {
      it("anonymous callers get 401, users without the platform admin role 403", async () => {
        for (const [method, url] of [
          ["GET", "/api/v1/admin/kill-switch"],
          ["PUT", "/api/v1/admin/kill-switch"],
          ["GET", "/api/v1/admin/flags"],
          ["PUT", "/api/v1/admin/flags/signup"],
        ] as const) {
          const payload = method === "PUT" ? { enabled: false } : undefined;
          const anonymous = await h.app.inject({ method, url, payload });
          assert.equal(anonymous.statusCode, 401, `${method} ${url} anonymous`);
          const user = await h.app.inject({ method, url, payload, headers: bearer(member.accessToken) });
          assert.equal(user.statusCode, 403, `${method} ${url} as a plain user`);
          assert.equal(user.json().code, "access.platform_admin_required");
        }
        const row = await h.database.handle.db
          .selectFrom("platform_state")
          .select("key")
          .where("key", "=", "flag:signup")
          .executeTakeFirst();
        assert.equal(row, undefined, "refused changes wrote nothing");
      });

      it("turns the kill switch on and off, recording who, when and why", async () => {
        const put = (payload: Record<string, unknown>) =>
          h.app.inject({
            method: "PUT",
            url: "/api/v1/admin/kill-switch",
            payload,
            headers: bearer(admin.accessToken),
          });

        const noReason = await put({ enabled: true });
        assert.equal(noReason.statusCode, 422);
        assert.deepEqual(
          noReason.json().errors.map((e: { path: string }) => e.path),
          ["/body/reason"],
        );

        const on = await put({ enabled: true, reason: "Incident 42: database failover" });
        assert.equal(on.statusCode, 200);
        assert.equal(on.json().enabled, true);
        assert.equal(on.json().retryAfterSeconds, 300, "Retry-After defaults to 300 s");
        assert.equal(on.json().updatedBy, `user:${admin.userId}`);
        // This instance applies its own change at once, without waiting for a poll.
        const refused = await h.app.inject({ method: "GET", url: "/api/v1/users/me" });
        assert.equal(refused.statusCode, 503);
        assert.equal(refused.json().detail, "Incident 42: database failover");
        assert.equal(refused.headers["retry-after"], "300");

        const row = await h.database.handle.db
          .selectFrom("platform_state")
          .selectAll()
          .where("key", "=", "kill_switch")
          .executeTakeFirstOrThrow();
        assert.equal(row.updated_by, `user:${admin.userId}`);
        assert.ok(Date.now() - Date.parse(row.updated_at) < 60_000, "updated_at is now");

        const off = await put({ enabled: false, reason: "failover done" });
        assert.equal(off.statusCode, 200);
        assert.deepEqual([off.json().enabled, off.json().reason], [false, "failover done"]);
        assert.equal(await statusOf(h.app, "/api/v1/users/me"), 401, "served again");
      });

      it("lists and sets feature flags; unknown flags are 404", async () => {
        const list = await h.app.inject({
          method: "GET",
          url: "/api/v1/admin/flags",
          headers: bearer(admin.accessToken),
        });
        assert.equal(list.statusCode, 200);
        const signup = list.json().items.find((f: { name: string }) => f.name === "signup");
        assert.deepEqual(
          { name: signup.name, enabled: signup.enabled, default: signup.default },
          { name: "signup", enabled: true, default: true },
        );

        const unknown = await h.app.inject({
          method: "PUT",
          url: "/api/v1/admin/flags/teleport",
          payload: { enabled: true },
          headers: bearer(admin.accessToken),
        });
        assert.equal(unknown.statusCode, 404);
        assert.equal(unknown.json().code, "feature.unknown");
      });

      it("signup off closes registration with 403 feature.disabled; on opens it again", async () => {
        const set = (enabled: boolean) =>
          h.app.inject({
            method: "PUT",
            url: "/api/v1/admin/flags/signup",
            payload: { enabled },
            headers: bearer(admin.accessToken),
          });
        const off = await set(false);
        assert.equal(off.statusCode, 200);
        assert.deepEqual([off.json().enabled, off.json().updatedBy], [false, `user:${admin.userId}`]);

        const closed = await register(h.app, "newcomer@example.com");
        assert.equal(closed.statusCode, 403);
        assert.equal(closed.json().code, "feature.disabled");
        assert.equal(closed.json().feature, "signup");
        const users = await h.database.handle.db
          .selectFrom("users")
          .select("id")
          .where("email", "=", "newcomer@example.com")
          .execute();
        assert.equal(users.length, 0, "no account was created");
        const login = await h.app.inject({
          method: "POST",
          url: "/api/v1/auth/login",
          payload: { email: "member@example.com", password: "wrong-password-123" },
        });
        assert.equal(login.statusCode, 401, "other auth routes are unaffected");

        assert.equal((await set(true)).statusCode, 200);
        assert.equal((await register(h.app, "newcomer@example.com")).statusCode, 201);
      });

      it("follows a flag changed elsewhere (CLI or another instance) within the poll interval", async () => {
        await setFlag(control(), "signup", false, "cli:ops");
        await waitFor(async () => (await register(h.app, "late@example.com")).statusCode === 403, 10_000, "signup off");
        await setFlag(control(), "signup", true, "cli:ops");
        await waitFor(async () => (await register(h.app, "late@example.com")).statusCode === 201, 10_000, "signup on");
      });
    });
  });
}
