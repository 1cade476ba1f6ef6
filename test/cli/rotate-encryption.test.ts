import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import { allSources } from "../../src/modules/identity/account-data.ts";
import { personalDataSources } from "../../src/modules/personal-data-sources.ts";
import { sealedColumns } from "../../src/modules/sealed-columns.ts";
import { newWebhookSecret, signedHeaders } from "../../src/modules/webhooks/signature.ts";
import { encryptionKeyId, secretSealer } from "../../src/platform/crypto/secret-sealer.ts";
import { loadMigrations, migrateUp } from "../../src/platform/db/migrator.ts";
import { PLATFORM_TABLES } from "../../src/platform/db/personal-data.ts";
import { type CliDatabase, cliDatabaseTargets, rampartCli } from "../helpers/cli-database.ts";

const OLD = "Ue4Rn7Wq1Zx8Mc5Lv2Ht9Bk6Yg3Dp0Sf-retired";
const NEW = "Vb7Qm2Xz9Lr4Tc8Nw1Hy6Pd3Kf5Gs0Ja-current";
const LOST = "Wc3Ym8Ks1Dq6Hn0Tz5Rb2Lx9Pf4Gv7Je-lost-key";

const rampart = (args: string[], env: Record<string, string>) => rampartCli(args, env, 60_000);

type Target = CliDatabase;

const targets = await cliDatabaseTargets("rotate-encryption");

const webhookSealer = (keys: string[]) => secretSealer(keys, "webhook-secrets");

for (const target of targets) {
  describe(`rampart keys rotate-encryption on ${target.engine}`, { skip: target.skip }, () => {
    let t: Target;
    const companyId = "01930000-0000-7000-8000-0000000c0a01";
    const secrets = new Map<string, { secret: string; previous: string | null }>();
    let unreadableId = "";

    before(async () => {
      t = await target.open();
      await migrateUp(t.handle, await loadMigrations());
      const now = new Date().toISOString();
      await t.handle.db
        .insertInto("companies")
        .values({
          id: companyId,
          name: "Acme",
          slug: "acme",
          status: "active",
          created_at: now,
          updated_at: now,
          deleted_at: null,
        })
        .execute();
      // Five endpoints sealed under the old key (two mid-rotation, with a previous secret), one
      // already under the new key, one under a key nobody configured any more.
      const rows: { sealer: string[]; previous: boolean }[] = [
        { sealer: [OLD], previous: true },
        { sealer: [OLD], previous: false },
        { sealer: [NEW], previous: false },
        { sealer: [OLD], previous: true },
        { sealer: [OLD], previous: false },
        { sealer: [OLD], previous: false },
        { sealer: [LOST], previous: false },
      ];
      for (const [index, row] of rows.entries()) {
        const id = `01930000-0000-7000-8000-0000000e0a0${index}`;
        const secret = newWebhookSecret();
        const previous = row.previous ? newWebhookSecret() : null;
        if (row.sealer[0] === LOST) unreadableId = id;
        else secrets.set(id, { secret, previous });
        await t.handle.db
          .insertInto("webhook_endpoints")
          .values({
            id,
            company_id: companyId,
            url: `https://hooks.example.com/${index}`,
            description: "",
            event_types: JSON.stringify(["*"]),
            status: "enabled",
            disabled_reason: null,
            secret_sealed: webhookSealer(row.sealer).seal(secret),
            previous_secret_sealed: previous === null ? null : webhookSealer(row.sealer).seal(previous),
            previous_secret_until: previous === null ? null : new Date(Date.now() + 3600_000).toISOString(),
            consecutive_failures: 0,
            created_by: null,
            created_at: now,
            updated_at: now,
          })
          .execute();
      }
    });
    after(async () => {
      await t?.handle.close();
      await t?.cleanup();
    });

    it("re-seals what the old key sealed under the new one, in batches; the secrets still sign and verify without the old key; a value no key opens is reported", async () => {
      const env = { DATABASE_URL: t.url, ENCRYPTION_KEY: NEW, ENCRYPTION_KEYS_PREVIOUS: OLD };
      const run = rampart(["keys", "rotate-encryption", "--batch-size", "2"], env);
      assert.equal(run.status, 1, "a value no key opens: exit 1");
      assert.match(
        run.stdout,
        /^webhook_endpoints\.secret_sealed: 5 re-sealed, 1 already under the current key, 1 unreadable, 0 changed meanwhile \(7 values\)$/m,
      );
      assert.match(
        run.stdout,
        /^webhook_endpoints\.previous_secret_sealed: 2 re-sealed, 0 already under the current key, 0 unreadable, 0 changed meanwhile \(2 values\)$/m,
      );
      assert.match(run.stderr, /1 in webhook_endpoints\.secret_sealed open with no configured key/);
      for (const key of [OLD, NEW, LOST]) assert.ok(!(run.stdout + run.stderr).includes(key), "no key printed");

      const stored = await t.handle.db.selectFrom("webhook_endpoints").selectAll().execute();
      const newOnly = webhookSealer([NEW]);
      for (const row of stored) {
        if (row.id === unreadableId) {
          assert.ok(row.secret_sealed.startsWith(`${encryptionKeyId(LOST)}:`), "left as it was");
          continue;
        }
        const expected = secrets.get(row.id);
        assert.ok(expected);
        assert.ok(row.secret_sealed.startsWith(`${encryptionKeyId(NEW)}:`));
        const secret = newOnly.unseal(row.secret_sealed);
        assert.equal(secret, expected.secret);
        assert.equal(
          row.previous_secret_sealed === null ? null : newOnly.unseal(row.previous_secret_sealed),
          expected.previous,
        );
        // Signed with the opened secret, verified by the reference implementation.
        const body = JSON.stringify({ type: "member.added", timestamp: new Date().toISOString(), data: {} });
        const timestamp = Math.floor(Date.now() / 1000);
        const headers = signedHeaders([secret], "msg_rotation", timestamp, body);
        assert.doesNotThrow(() => new Webhook(expected.secret).verify(body, { ...headers }));
      }

      const again = rampart(["keys", "rotate-encryption"], env);
      assert.match(
        again.stdout,
        /^webhook_endpoints\.secret_sealed: 0 re-sealed, 6 already under the current key, 1 unreadable/m,
      );
      assert.match(
        again.stdout,
        /^webhook_endpoints\.previous_secret_sealed: 0 re-sealed, 2 already under the current key/m,
      );
      const unchanged = await t.handle.db.selectFrom("webhook_endpoints").selectAll().orderBy("id").execute();
      assert.deepEqual(
        unchanged,
        [...stored].sort((a, b) => a.id.localeCompare(b.id)),
        "a second run changes nothing",
      );

      // Once the unreadable row is dealt with (here: deleted), the rotation completes.
      await t.handle.db.deleteFrom("webhook_endpoints").where("id", "=", unreadableId).execute();
      const done = rampart(["keys", "rotate-encryption"], env);
      assert.equal(done.status, 0, done.stderr);
      assert.match(done.stdout, /ENCRYPTION_KEYS_PREVIOUS may be emptied/);
    });

    it("refuses to run without ENCRYPTION_KEY, and an invalid configuration exits 78", () => {
      const none = rampart(["keys", "rotate-encryption"], { DATABASE_URL: t.url });
      assert.equal(none.status, 1);
      assert.match(none.stderr, /ENCRYPTION_KEY is not set/);
      const weak = rampart(["keys", "rotate-encryption"], { DATABASE_URL: t.url, ENCRYPTION_KEY: "a".repeat(40) });
      assert.equal(weak.status, 78);
      assert.match(weak.stderr, /ENCRYPTION_KEY: has fewer than 10 distinct characters/);
    });
  });
}

describe("sealed columns", () => {
  it("every column named *_sealed in any table is declared for the rotation (a new sealed secret cannot be forgotten)", () => {
    // Every module's table inventory, identity's own included (TOTP seeds live there).
    const tables = [...allSources(personalDataSources({} as never)).map((source) => source.columns), PLATFORM_TABLES];
    const named = tables.flatMap((byTable) =>
      Object.entries(byTable).flatMap(([table, columns]) =>
        Object.keys(columns)
          .filter((column) => column.endsWith("_sealed"))
          .map((column) => `${table}.${column}`),
      ),
    );
    assert.ok(named.includes("webhook_endpoints.secret_sealed"), "the listing reaches the webhooks tables");
    // Sealed with a key derived from the previous refresh token (identity/secrets.ts sealWith), not
    // ENCRYPTION_KEY: nothing for a key rotation to re-seal, and it lives only for the reuse grace.
    const notUnderEncryptionKey = new Set(["refresh_tokens.successor_sealed"]);
    assert.deepEqual(
      named.filter((column) => !notUnderEncryptionKey.has(column)).sort(),
      sealedColumns.map((c) => `${c.table}.${c.column}`).sort(),
    );
  });
});
