import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { bearer, type IdentityHarness, identityHarness, signedInUser } from "../../helpers/identity.ts";

/** Time that moves only when told: the grace's last millisecond is reachable. */
class StoppedClock {
  #ms = Date.now();
  now(): Date {
    return new Date(this.#ms);
  }
  nowIso(): string {
    return this.now().toISOString();
  }
  advance(seconds: number): void {
    this.#ms += seconds * 1000;
  }
}

// The edges of refresh rotation that the flows in sessions.test.ts walk past: tokens nobody
// issued, a session ended between two tabs' refreshes, the grace's last second, what a
// replay leaves behind, and what a refresh records about the device.
for (const engine of await enginesUnderTest()) {
  describe(`refresh rotation's edges on ${engine.engine}`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    const clock = new StoppedClock();
    before(async () => {
      h = await identityHarness(engine, {}, { clock });
    });
    after(() => h?.close());

    const refresh = (refreshToken: string, headers: Record<string, string | undefined> = {}) =>
      h.app.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken }, headers });
    const currentSession = async (accessToken: string) => {
      const list = await h.app.inject({ url: "/api/v1/auth/sessions", headers: bearer(accessToken) });
      assert.equal(list.statusCode, 200, list.body);
      const items = list.json().items as { id: string; current: boolean; device: string | null }[];
      const current = items.find((s) => s.current);
      assert.ok(current, "the caller's own session is listed");
      return current;
    };

    it("answers a refresh token nobody issued with 401 auth.invalid_refresh_token, not a 500", async () => {
      for (const token of ["x".repeat(43), "not-a-token"]) {
        const res = await refresh(token);
        assert.equal(res.statusCode, 401, res.body);
        assert.equal(res.json().code, "auth.invalid_refresh_token");
      }
    });

    it("after logout, a token rotated a moment ago no longer refreshes, even within the grace", async () => {
      const { refreshToken } = await signedInUser(h, "grace-logout@example.com");
      const rotated = await refresh(refreshToken);
      assert.equal(rotated.statusCode, 200);
      const out = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/logout",
        headers: bearer(rotated.json().accessToken),
      });
      assert.equal(out.statusCode, 204);
      const secondTab = await refresh(refreshToken);
      assert.equal(secondTab.statusCode, 401, secondTab.body);
      assert.equal(secondTab.json().code, "auth.invalid_refresh_token");
      assert.equal(secondTab.json().refreshToken, undefined);
    });

    it("a second tab at exactly the end of the grace (10 s) still gets the successor; a second later is a replay", async () => {
      const first = await signedInUser(h, "grace-edge@example.com");
      const rotated = await refresh(first.refreshToken);
      clock.advance(10);
      const atEdge = await refresh(first.refreshToken);
      assert.equal(atEdge.statusCode, 200, atEdge.body);
      assert.equal(atEdge.json().refreshToken, rotated.json().refreshToken);

      const second = await signedInUser(h, "grace-past@example.com");
      await refresh(second.refreshToken);
      clock.advance(11);
      assert.equal((await refresh(second.refreshToken)).json().code, "auth.refresh_token_reused");
    });

    it("a replay revokes the session for reuse, logs who and which session, and stops an access token already in use", async () => {
      const { refreshToken, accessToken, userId } = await signedInUser(h, "replay-edges@example.com");
      const session = await currentSession(accessToken);
      // In use: the lookup behind this token is now cached, and the replay must evict it.
      assert.equal((await h.app.inject({ url: "/api/v1/users/me", headers: bearer(accessToken) })).statusCode, 200);
      await refresh(refreshToken);
      clock.advance(11);
      const replay = await refresh(refreshToken);
      assert.equal(replay.json().code, "auth.refresh_token_reused");
      assert.equal((await h.app.inject({ url: "/api/v1/users/me", headers: bearer(accessToken) })).statusCode, 401);
      const row = await h.database.handle.db
        .selectFrom("sessions")
        .select(["revoked_at", "revoked_reason"])
        .where("id", "=", session.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.revoked_reason, "refresh_token_reused");
      assert.ok(row.revoked_at);
      const logged = h.logs.lines().find((l) => l.securityEvent === "auth.refresh_token_reused" && l.userId === userId);
      assert.ok(logged, "the security event names the session's user");
      assert.equal(logged.sessionId, session.id);
    });

    it("a refresh records the device it came from, cut to 512 characters, and takes a request with no User-Agent", async () => {
      const { refreshToken } = await signedInUser(h, "device@example.com");
      const long = `Browser/${"9".repeat(600)}`;
      const res = await refresh(refreshToken, { "user-agent": long });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await currentSession(res.json().accessToken)).device, long.slice(0, 512));
      const bare = await refresh(res.json().refreshToken, { "user-agent": undefined });
      assert.equal(bare.statusCode, 200, bare.body);
      assert.equal((await currentSession(bare.json().accessToken)).device, null);
    });
  });
}
