import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { Registry } from "prom-client";
import { allSources, personalDataInventory } from "../../../src/modules/identity/account-data.ts";
import { personalDataSources } from "../../../src/modules/personal-data-sources.ts";
import { createCache } from "../../../src/platform/cache/cache.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { testCacheOptions } from "../../helpers/cache.ts";
import { TestClock } from "../../helpers/clock.ts";
import { enginesUnderTest, type TestDatabase } from "../../helpers/database.ts";

const DATA_DOC = readFileSync(new URL("../../../docs/data.md", import.meta.url), "utf8");

/**
 * Every column of every table has a decision (docs/data.md, "Personal data"): adding a
 * table or a column without saying whether it holds personal data and what erasure does to
 * it fails here, on both engines, against the migrated schema itself.
 */
for (const engine of await enginesUnderTest()) {
  describe(`the personal-data inventory covers the schema (${engine.engine})`, { skip: engine.skip }, () => {
    let database: TestDatabase;
    let sources: ReturnType<typeof allSources>;
    before(async () => {
      database = await engine.create();
      const logger = createLogger({ LOG_LEVEL: "silent", LOG_FORMAT: "json" });
      const cache = await createCache(testCacheOptions(), { redis: undefined, logger, metrics: new Registry() });
      sources = allSources(personalDataSources({ database: database.handle, clock: new TestClock(), cache }));
    });
    after(() => database.drop());

    it("lists every table and column there is, and nothing that is not", async () => {
      const db = database.handle.db;
      const inventory = personalDataInventory(sources);
      // PostgreSQL: this test's own schema (the search path), not the other schemas of a shared server.
      const schema =
        engine.engine === "postgres"
          ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s
          : undefined;
      const tables = (await db.introspection.getTables()).filter((t) => t.schema === schema);
      const actual = new Map(tables.map((t) => [t.name, t.columns.map((c) => c.name).sort()]));
      for (const [table, columns] of actual) {
        const decided = inventory.get(table);
        assert.ok(decided, `table ${table} has no personal-data decision (add it to its module's personal-data.ts)`);
        for (const column of columns) assert.ok(column in decided, `${table}.${column} has no personal-data decision`);
      }
      for (const [table, columns] of inventory) {
        assert.ok(actual.has(table), `the inventory names a table that does not exist: ${table}`);
        for (const column of Object.keys(columns))
          assert.ok(
            actual.get(table)?.includes(column),
            `the inventory names a column that does not exist: ${table}.${column}`,
          );
      }
    });

    it("docs/data.md names every table and every export category", () => {
      for (const table of personalDataInventory(sources).keys())
        assert.ok(DATA_DOC.includes(`\`${table}\``), `docs/data.md does not mention ${table}`);
      for (const source of sources)
        assert.ok(DATA_DOC.includes(`\`${source.category}\``), `docs/data.md does not describe ${source.category}`);
    });
  });
}
