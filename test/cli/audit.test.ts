import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { recordAuditEvent } from "../../src/modules/audit/index.ts";
import { loadMigrations, migrateUp } from "../../src/platform/db/migrator.ts";
import { type CliDatabase, cliDatabaseTargets, rampartCli } from "../helpers/cli-database.ts";
import { TestClock } from "../helpers/clock.ts";

const rampart = (args: string[], env: Record<string, string>) => rampartCli(args, env, 30_000);

type Target = CliDatabase;

const targets = await cliDatabaseTargets("audit-cli");

for (const target of targets) {
  describe(`rampart audit on ${target.engine}`, { skip: target.skip }, () => {
    let t: Target;
    before(async () => {
      t = await target.open();
      await migrateUp(t.handle, await loadMigrations());
      const old = new TestClock();
      old.advance(-100 * 86_400);
      for (const [clock, action] of [
        [old, "auth.login_failed"],
        [old, "auth.account_locked"],
        [new TestClock(), "auth.login_failed"],
        [new TestClock(), "auth.refresh_token_reused"],
      ] as const)
        await recordAuditEvent(t.handle.db, clock, { action, actorType: "system", actorId: null });
    });
    after(async () => {
      await t?.handle.close();
      await t?.cleanup();
    });

    it("verify exits 0 on an intact chain, prune keeps it verifiable, an edited row makes verify exit 1 naming it", async () => {
      const ok = rampart(["audit", "verify"], { DATABASE_URL: t.url });
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /^ok: 1 of 1 streams intact, 4 events verified/m);

      const pruned = rampart(["audit", "prune"], { DATABASE_URL: t.url, AUDIT_RETENTION_DAYS: "30" });
      assert.equal(pruned.status, 0, pruned.stderr);
      assert.match(pruned.stdout, /pruned 2 audit events/);
      const afterPrune = rampart(["audit", "verify"], { DATABASE_URL: t.url });
      assert.equal(afterPrune.status, 0, afterPrune.stdout);
      assert.match(afterPrune.stdout, /2 events verified/);

      const victim = await t.handle.db
        .selectFrom("audit_events")
        .select("id")
        .where("action", "=", "auth.refresh_token_reused")
        .executeTakeFirstOrThrow();
      await sql`update audit_events set action = ${"auth.login_succeeded"} where id = ${victim.id}`.execute(
        t.handle.db,
      );
      const broken = rampart(["audit", "verify"], { DATABASE_URL: t.url });
      assert.equal(broken.status, 1);
      assert.match(broken.stdout, new RegExp(`BROKEN platform: event ${victim.id} \\(seq 4\\)`));
      assert.match(broken.stdout, /FAILED: 0 of 1 streams intact/);
    });

    it("verify requires the platform stream and one stream per company: deleting one with its head fails", async () => {
      const companyId = "01930000-0000-7000-8000-00000000c0de";
      const now = new Date().toISOString();
      await t.handle.db
        .insertInto("companies")
        .values({
          id: companyId,
          name: "Gone",
          slug: `gone-${target.engine}`,
          status: "active",
          created_at: now,
          updated_at: now,
          deleted_at: null,
        })
        .execute();
      await sql`delete from audit_events where stream = 'platform'`.execute(t.handle.db);
      await sql`delete from audit_chain_heads where stream = 'platform'`.execute(t.handle.db);
      const result = rampart(["audit", "verify"], { DATABASE_URL: t.url });
      assert.equal(result.status, 1, result.stdout);
      assert.match(
        result.stdout,
        /^BROKEN platform: end of chain \(seq 0\): the stream and its chain head are missing$/m,
      );
      assert.match(
        result.stdout,
        new RegExp(
          `^BROKEN company:${companyId}: end of chain \\(seq 0\\): the stream and its chain head are missing$`,
          "m",
        ),
      );
    });

    it("prune without AUDIT_RETENTION_DAYS keeps everything", () => {
      const result = rampart(["audit", "prune"], { DATABASE_URL: t.url });
      assert.equal(result.status, 0);
      assert.match(result.stdout, /kept forever; nothing pruned/);
    });
  });
}
