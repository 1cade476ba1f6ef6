/**
 * docs/frontend.md's code is type-checked (docs/frontend/tsconfig.json, which also checks this
 * file: @auth/core's types need the DOM lib) and here it also has to work: the Auth.js sign-in,
 * refresh and sign-out decisions and the server helpers run against a real server process.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Account } from "@auth/core/types";
import { createCompany, register, verifyEmail } from "../../clients/typescript/index.ts";
import { authConfig, refreshRampartTokens, signInWithRampart } from "../../docs/frontend/auth.config.ts";
import {
  allMyCompanies,
  companyFor,
  configureRampart,
  myCompaniesPage,
  RampartProblemError,
} from "../../docs/frontend/rampart-server.ts";
import { nextMailToken } from "../helpers/outbox.ts";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const PASSWORD = "violet-harbour-lantern-42";

describe("docs/frontend.md", () => {
  it("quotes only code that is in the type-checked files under docs/frontend/", () => {
    const doc = readFileSync(join(ROOT, "docs/frontend.md"), "utf8");
    const dir = join(ROOT, "docs/frontend");
    const sources = readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => readFileSync(join(dir, f), "utf8"));
    const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    assert.ok(blocks.length >= 4, "the doc shows its code");
    for (const block of blocks) {
      assert.ok(
        sources.some((source) => source.includes(block)),
        `this block of docs/frontend.md is not in docs/frontend/*.ts:\n${block}`,
      );
    }
  });

  describe("its code against a real server", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rampart-frontend-doc-"));
    let server: ServerProcess | undefined;
    const credentials: Account = { provider: "credentials", type: "credentials", providerAccountId: "" };
    const jwt = authConfig.callbacks.jwt;

    before(async () => {
      server = await startServerProcess(
        {
          DATA_DIR: dataDir,
          ENABLE_RATE_LIMITING: "false",
          // Shorter than the example's refresh margin: every jwt callback refreshes.
          ACCESS_TOKEN_TTL_S: "30",
          // Replaying a used refresh token counts as reuse at once.
          REFRESH_REUSE_INTERVAL_S: "0",
        },
        30_000,
      );
      configureRampart(server.url);
    });
    after(async () => {
      if (server !== undefined) {
        server.child.kill("SIGTERM");
        await server.exited();
      }
      rmSync(dataDir, { recursive: true, force: true });
    });

    async function verifiedUser(email: string) {
      assert.equal((await register({ email, password: PASSWORD, name: "Grace Hopper" })).status, 201);
      const token = await nextMailToken(join(dataDir, "outbox"), email);
      assert.equal((await verifyEmail({ token })).status, 200);
    }

    it("signs in, keeps the access token fresh, and signs out when the refresh token was reused", async () => {
      await verifiedUser("grace@example.com");

      await assert.rejects(signInWithRampart({ email: "grace@example.com", password: "wrong-password-123" }), {
        code: "invalid_credentials",
      });

      const user = await signInWithRampart({ email: "grace@example.com", password: PASSWORD });
      assert.ok(user.id && user.rampart);
      const signedIn = await jwt({ token: {}, user, account: { ...credentials, providerAccountId: user.id } });
      assert.ok(signedIn?.rampart);
      assert.equal(signedIn.sub, user.id);
      const claims = JSON.parse(Buffer.from(signedIn.rampart.accessToken.split(".")[1] ?? "", "base64url").toString());
      assert.equal(claims.sub, signedIn.sub, "the session's subject is the access token's");

      // A later request: the token is within the refresh margin, so the callback rotates it.
      const refreshed = await jwt({ token: signedIn, user: {} });
      assert.ok(refreshed?.rampart);
      assert.notEqual(refreshed.rampart.refreshToken, signedIn.rampart.refreshToken);
      assert.equal(refreshed.sub, user.id);

      const session = await authConfig.callbacks.session({
        session: { expires: new Date(Date.now() + 60_000).toISOString() },
        token: refreshed,
      } as Parameters<typeof authConfig.callbacks.session>[0]);
      assert.equal(session.user?.id, user.id);
      assert.equal(session.accessToken, refreshed.rampart.accessToken);
      assert.equal(JSON.stringify(session).includes(refreshed.rampart.refreshToken), false, "no refresh token");

      // A stale cookie replays the old refresh token: auth.refresh_token_reused → sign out,
      // and Rampart has ended the session, so the newer token is dead too.
      assert.equal(await refreshRampartTokens(signedIn), null);
      assert.equal(await refreshRampartTokens(refreshed), null);
    });

    it("reads companies with the session's token: a page, all pages, null for unknown, a problem error for a bad token", async () => {
      await verifiedUser("linus@example.com");
      const user = await signInWithRampart({ email: "linus@example.com", password: PASSWORD });
      const accessToken = user.rampart?.accessToken;
      assert.ok(accessToken);
      const ids: string[] = [];
      for (let i = 0; i < 21; i++) {
        const created = await createCompany({ name: `Company ${i}`, slug: `linus-company-${i}` }, { accessToken });
        assert.equal(created.status, 201);
        if (created.status === 201) ids.push(created.data.id);
      }

      const first = await myCompaniesPage(accessToken);
      assert.equal(first.items.length, 20);
      assert.ok(first.nextCursor);
      const all: string[] = [];
      for await (const company of allMyCompanies(accessToken)) all.push(company.id);
      assert.deepEqual([...all].sort(), [...ids].sort());

      assert.equal((await companyFor(accessToken, ids[0] as string))?.name, "Company 0");
      assert.equal(await companyFor(accessToken, "00000000-0000-4000-8000-000000000000"), null);
      await assert.rejects(companyFor("not-a-token", ids[0] as string), (error: unknown) => {
        assert.ok(error instanceof RampartProblemError);
        assert.equal(error.problem.status, 401);
        assert.equal(error.problem.code, "auth.invalid_token");
        assert.match(error.message, /request /);
        return true;
      });
    });
  });
});
