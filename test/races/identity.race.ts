import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../helpers/database.ts";
import { type IdentityHarness, identityHarness, STRONG_PASSWORD } from "../helpers/identity.ts";
import { newUser, type SignedIn } from "../helpers/tenancy.ts";
import { login, ok, race, serverErrors, TRIES } from "./harness.ts";
import { activeSessions } from "./state.ts";

const NEW_PASSWORD = "amber-quarry-whistle-77";
const LIGHT = Math.max(3, Math.ceil(TRIES / 2));

for (const engine of await enginesUnderTest()) {
  describe(`concurrent credential changes (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    before(async () => {
      h = await identityHarness(engine);
    });
    after(() => h.close());

    const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
      h.app.inject({ method: "POST", url: `/api/v1${url}`, payload, headers });

    /** What a session created by a racing login can still do: nothing, once the password changed. */
    async function survives(res: Awaited<ReturnType<typeof login>>): Promise<string[]> {
      if (!ok(res)) return [];
      const body = res.json<{ accessToken: string; refreshToken: string }>();
      const problems: string[] = [];
      const me = await h.app.inject({
        method: "GET",
        url: "/api/v1/users/me",
        headers: { authorization: `Bearer ${body.accessToken}` },
      });
      if (me.statusCode === 200) problems.push("an old-password access token still works");
      const refreshed = await post("/auth/refresh", { refreshToken: body.refreshToken });
      if (ok(refreshed)) problems.push("an old-password refresh token still works");
      return problems;
    }

    async function resetLink(user: SignedIn): Promise<string> {
      const forgot = await post("/auth/password/forgot", { email: user.email });
      if (!ok(forgot)) throw new Error(`forgot answered ${forgot.statusCode}`);
      return h.linkToken(user.email);
    }

    it("logins with the old password racing a password change leave no working old-password session", async () => {
      await race(
        "login vs password change",
        engine.engine,
        async () => {
          const user = await newUser(h, "change");
          const [change, ...logins] = await Promise.all([
            post(
              "/auth/password/change",
              { currentPassword: STRONG_PASSWORD, newPassword: NEW_PASSWORD },
              { authorization: `Bearer ${user.accessToken}` },
            ),
            login(h.app, user.email),
            login(h.app, user.email),
          ]);
          const problems = serverErrors(change, ...logins);
          if (!ok(change)) return [...problems, `change answered ${change.statusCode}`];
          for (const res of logins) problems.push(...(await survives(res)));
          return problems;
        },
        LIGHT,
      );
    });

    it("logins with the old password racing a reset leave no session at all", async () => {
      await race(
        "login vs password reset",
        engine.engine,
        async () => {
          const user = await newUser(h, "reset");
          const token = await resetLink(user);
          const [reset, ...logins] = await Promise.all([
            post("/auth/password/reset", { token, password: NEW_PASSWORD }),
            login(h.app, user.email),
            login(h.app, user.email),
          ]);
          const problems = serverErrors(reset, ...logins);
          if (!ok(reset)) return [...problems, `reset answered ${reset.statusCode}`];
          for (const res of logins) problems.push(...(await survives(res)));
          const live = await activeSessions(h, user.userId);
          if (live.length > 0) problems.push(`${live.length} sessions survived the reset`);
          return problems;
        },
        LIGHT,
      );
    });

    it("a reset during failed logins for the same account succeeds, never 5xx", async () => {
      await race(
        "reset vs failed logins",
        engine.engine,
        async () => {
          const user = await newUser(h, "resetfail");
          const token = await resetLink(user);
          const [reset, ...failures] = await Promise.all([
            post("/auth/password/reset", { token, password: NEW_PASSWORD }),
            ...Array.from({ length: 4 }, () => login(h.app, user.email, "wrong-password-xyz")),
          ]);
          const problems = serverErrors(reset, ...failures);
          if (!ok(reset)) {
            // Whatever refused it, the link must not be spent by a failed attempt.
            const again = await post("/auth/password/reset", { token, password: NEW_PASSWORD });
            if (!ok(again)) problems.push(`reset ${reset.statusCode}, retry ${again.statusCode}`);
          }
          return problems;
        },
        LIGHT,
      );
    });

    it("six concurrent forgot-password calls leave at most one working link", async () => {
      await race(
        "forgot x6",
        engine.engine,
        async () => {
          const user = await newUser(h, "forgot");
          const before = h.mails().length;
          const results = await Promise.all(
            Array.from({ length: 6 }, () => post("/auth/password/forgot", { email: user.email })),
          );
          const tokens = h
            .mails()
            .slice(before)
            .filter((mail) => mail.includes(user.email))
            .map(
              (mail) => /token=([A-Za-z0-9_-]{20,})/.exec(mail.replace(/=\r?\n/g, "").replace(/=3D/g, "="))?.[1] ?? "",
            );
          let worked = 0;
          for (const token of tokens)
            if (ok(await post("/auth/password/reset", { token, password: NEW_PASSWORD }))) worked++;
          return [...serverErrors(...results), ...(worked <= 1 ? [] : [`${worked} of ${tokens.length} links worked`])];
        },
        LIGHT,
      );
    });

    it("twenty concurrent wrong passwords: at most the threshold verified, one lockout of 60 s", async () => {
      await race(
        "lockout x20",
        engine.engine,
        async () => {
          const user = await newUser(h, "lockout");
          const results = await Promise.all(
            Array.from({ length: 20 }, () => login(h.app, user.email, "wrong-password-xyz")),
          );
          const problems = serverErrors(...results);
          const verified = await h.database.handle.db
            .selectFrom("audit_events")
            .select("metadata")
            .where("action", "=", "auth.login_failed")
            .where("target_id", "=", user.userId)
            .execute();
          const checked = verified.filter((row) => String(row.metadata).includes("invalid_credentials")).length;
          if (checked > h.config.LOGIN_MAX_FAILURES) problems.push(`${checked} passwords verified`);
          const right = await login(h.app, user.email);
          const retryAfter = Number(right.headers["retry-after"]);
          if (right.statusCode !== 401 || !(retryAfter > 0 && retryAfter <= 60))
            problems.push(
              `the right password then got ${right.statusCode} Retry-After ${right.headers["retry-after"]}`,
            );
          return problems;
        },
        LIGHT,
      );
    });
  });
}
