import { after, before, describe, it } from "node:test";
import { sql, type Transaction } from "kysely";
import type { Database } from "../../src/platform/db/schema.ts";
import { enginesUnderTest } from "../helpers/database.ts";
import { bearer, type IdentityHarness, identityHarness } from "../helpers/identity.ts";
import { newUser, type SignedIn } from "../helpers/tenancy.ts";
import { overlapHolding } from "./barrier.ts";
import { login, ok, race, serverErrors, TRIES } from "./harness.ts";

// The barrier makes each interleaving certain on PostgreSQL, so a few tries prove as much as many.
const FEW = Math.max(3, Math.ceil(TRIES / 4));

/**
 * Refresh rotation against what can commit between its first, unlocked read of the token and
 * its lock on the session: a second rotation of the same token (two tabs) and a logout. On
 * PostgreSQL the test holds the session's row lock, queues the first request on it, then the
 * second — which has read the token and the session as they were before the first committed —
 * and lets go. On SQLite the two are fired together (they run one after the other there).
 */
for (const engine of await enginesUnderTest()) {
  describe(`refresh rotation races (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let user: SignedIn;
    before(async () => {
      h = await identityHarness(engine);
      user = await newUser(h, "rotation-race");
    });
    after(() => h?.close());

    const refresh = (refreshToken: string) =>
      h.app.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken } });
    const holdSession = (sessionId: string) => (trx: Transaction<Database>) =>
      sql`select id from sessions where id = ${sessionId} for update`.execute(trx);

    /** A fresh session of the race's user: its first refresh token and id. */
    async function freshSession(): Promise<{ refreshToken: string; accessToken: string; sessionId: string }> {
      const res = await login(h.app, user.email);
      if (!ok(res)) throw new Error(`login answered ${res.statusCode}: ${res.body}`);
      const body = res.json<{ accessToken: string; refreshToken: string }>();
      const list = await h.app.inject({ url: "/api/v1/auth/sessions", headers: bearer(body.accessToken) });
      const current = list.json<{ items: { id: string; current: boolean }[] }>().items.find((s) => s.current);
      if (!current) throw new Error(`the new session is not listed: ${list.body}`);
      return { ...body, sessionId: current.id };
    }

    const tokensOf = (sessionId: string) =>
      h.database.handle.db
        .selectFrom("refresh_tokens")
        .select(["rotated_at"])
        .where("session_id", "=", sessionId)
        .execute();

    it("two refreshes of one token at the same moment both get the same successor, which refreshes once more", async () => {
      await race(
        "refresh x2 of one token",
        engine.engine,
        async () => {
          const session = await freshSession();
          const [a, b] = await overlapHolding(
            h,
            holdSession(session.sessionId),
            () => refresh(session.refreshToken),
            () => refresh(session.refreshToken),
          );
          const problems = serverErrors(a, b);
          if (!ok(a) || !ok(b)) return [...problems, `answered ${a.statusCode} and ${b.statusCode}`];
          const successor = a.json<{ refreshToken: string }>().refreshToken;
          if (b.json<{ refreshToken: string }>().refreshToken !== successor)
            problems.push("the two tabs were handed different refresh tokens");
          const tokens = await tokensOf(session.sessionId);
          const unrotated = tokens.filter((t) => t.rotated_at === null).length;
          if (tokens.length !== 2 || unrotated !== 1)
            problems.push(`the session holds ${tokens.length} refresh tokens, ${unrotated} live (want 2, 1 live)`);
          const next = await refresh(successor);
          if (!ok(next)) problems.push(`the shared successor then answered ${next.statusCode} ${next.body}`);
          return problems;
        },
        FEW,
      );
    });

    it("a logout committed while a refresh of its session was under way: the refresh is refused, no successor is issued", async () => {
      await race(
        "logout vs refresh",
        engine.engine,
        async () => {
          const session = await freshSession();
          const [out, refreshed] = await overlapHolding(
            h,
            holdSession(session.sessionId),
            () => h.app.inject({ method: "POST", url: "/api/v1/auth/logout", headers: bearer(session.accessToken) }),
            () => refresh(session.refreshToken),
          );
          const problems = serverErrors(out, refreshed);
          if (out.statusCode !== 204) problems.push(`logout answered ${out.statusCode}`);
          if (refreshed.statusCode !== 401 || refreshed.json<{ code?: string }>().code !== "auth.invalid_refresh_token")
            problems.push(`the refresh answered ${refreshed.statusCode} ${refreshed.body}`);
          const tokens = await tokensOf(session.sessionId);
          if (tokens.length !== 1 || tokens[0]?.rotated_at !== null)
            problems.push(
              `the ended session holds ${tokens.length} refresh tokens, the first rotated: ${tokens[0]?.rotated_at}`,
            );
          const revoked = await h.database.handle.db
            .selectFrom("sessions")
            .select("revoked_reason")
            .where("id", "=", session.sessionId)
            .executeTakeFirst();
          if (revoked?.revoked_reason !== "logout") problems.push(`the session ended as ${revoked?.revoked_reason}`);
          return problems;
        },
        FEW,
      );
    });
  });
}
