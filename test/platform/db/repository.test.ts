import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseJson } from "../../../src/platform/db/dialect.ts";
import { isForeignKeyViolation, isUniqueViolation, translateDatabaseError } from "../../../src/platform/db/errors.ts";
import { newId } from "../../../src/platform/db/ids.ts";
import { migrateDown, migrateUp, migrationStatus, verifyMigrations } from "../../../src/platform/db/migrator.ts";
import { withTransaction } from "../../../src/platform/db/transaction.ts";
import { enginesUnderTest, type TestDatabase } from "../../helpers/database.ts";
import { fixtureMigrations, widgetsDb } from "../../helpers/widgets.ts";

for (const engine of await enginesUnderTest()) {
  describe(`data layer on ${engine.engine}`, { skip: engine.skip }, () => {
    let t: TestDatabase;
    before(async () => {
      t = await engine.create({ migrate: false });
      await migrateUp(t.handle, await fixtureMigrations());
    });
    after(() => t?.drop());

    const widget = (name: string) => ({
      id: newId(),
      name,
      data: JSON.stringify({ size: 3 }),
      created_at: new Date().toISOString(),
    });

    it("reports applied migrations and refuses nothing when files match", async () => {
      const statuses = await migrationStatus(t.handle, await fixtureMigrations());
      assert.deepEqual(
        statuses.map((s) => [s.name, s.state]),
        [
          ["0001_widgets", "applied"],
          ["0002_parts", "applied"],
        ],
      );
      await verifyMigrations(t.handle, await fixtureMigrations());
      assert.deepEqual(await migrateUp(t.handle, await fixtureMigrations()), [], "nothing pending twice");
    });

    it("stores and reads back a row with an ISO timestamp and JSON, the same on both engines", async () => {
      const row = widget("alpha");
      await widgetsDb(t.handle).insertInto("widgets").values(row).execute();
      const read = await widgetsDb(t.handle)
        .selectFrom("widgets")
        .selectAll()
        .where("id", "=", row.id)
        .executeTakeFirstOrThrow();
      assert.equal(read.created_at, row.created_at);
      assert.deepEqual(parseJson(read.data), { size: 3 });
      assert.match(row.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/, "UUIDv7");
    });

    it("withTransaction commits on success and rolls back every row on error", async () => {
      const db = widgetsDb(t.handle);
      await withTransaction(t.handle.db, async (trx) => {
        await (trx as unknown as typeof db).insertInto("widgets").values(widget("committed")).execute();
      });
      await assert.rejects(
        withTransaction(t.handle.db, async (trx) => {
          await (trx as unknown as typeof db).insertInto("widgets").values(widget("rolled-1")).execute();
          await (trx as unknown as typeof db).insertInto("widgets").values(widget("rolled-2")).execute();
          throw new Error("business rule broken");
        }),
        /business rule broken/,
      );
      const names = (await db.selectFrom("widgets").select("name").execute()).map((r) => r.name);
      assert.ok(names.includes("committed"));
      assert.ok(!names.includes("rolled-1") && !names.includes("rolled-2"), "nothing half-written");
    });

    it("maps a unique violation to 409 and a missing reference to 422", async () => {
      const db = widgetsDb(t.handle);
      await db.insertInto("widgets").values(widget("dup")).execute();
      const unique = await db
        .insertInto("widgets")
        .values(widget("dup"))
        .execute()
        .catch((e: unknown) => e);
      assert.ok(isUniqueViolation(unique));
      assert.equal(translateDatabaseError(unique)?.status, 409);
      const fk = await db
        .insertInto("parts")
        .values({ id: newId(), widget_id: newId() })
        .execute()
        .catch((e: unknown) => e);
      assert.ok(isForeignKeyViolation(fk), "foreign keys are enforced");
      assert.equal(translateDatabaseError(fk)?.status, 422);
      assert.equal(translateDatabaseError(new Error("something else")), undefined);
    });

    it("serves 50 concurrent writes without a busy error", async () => {
      const db = widgetsDb(t.handle);
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          db
            .insertInto("widgets")
            .values(widget(`conc-${i}`))
            .execute(),
        ),
      );
      const count = await db
        .selectFrom("widgets")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("name", "like", "conc-%")
        .executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 50);
    });

    it("refuses to run when an applied migration's file changed or is missing, naming it", async () => {
      const migrations = await fixtureMigrations();
      const changed = migrations.map((m) => (m.name === "0001_widgets" ? { ...m, checksum: "0".repeat(64) } : m));
      await assert.rejects(verifyMigrations(t.handle, changed), /0001_widgets \(file changed after it was applied\)/);
      await assert.rejects(migrateUp(t.handle, changed), /0001_widgets/);
      const missing = migrations.filter((m) => m.name !== "0002_parts");
      await assert.rejects(verifyMigrations(t.handle, missing), /0002_parts \(file missing\)/);
    });

    it("migrate down reverts the latest migration and up re-applies it", async () => {
      const migrations = await fixtureMigrations();
      assert.deepEqual(await migrateDown(t.handle, migrations, 1), ["0002_parts"]);
      const statuses = await migrationStatus(t.handle, migrations);
      assert.deepEqual(
        statuses.map((s) => s.state),
        ["applied", "pending"],
      );
      assert.deepEqual(await migrateUp(t.handle, migrations), ["0002_parts"]);
    });
  });
}
