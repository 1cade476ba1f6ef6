import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sql } from "kysely";
import { loadConfig } from "../../../src/config/load.ts";
import { openDatabase } from "../../../src/platform/db/connect.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { createPostgresSchema } from "../../helpers/database.ts";
import { postgres } from "../../helpers/services.ts";

const service = await postgres();

describe("the PostgreSQL pool's size", { skip: service.skip }, () => {
  it("opens at most 30 server connections at once by default, and uses all 30 under load (the audited 10 + 20)", async () => {
    const schema = await createPostgresSchema();
    const config = loadConfig({ APP_ENV: "test", DATABASE_URL: schema.url });
    const handle = openDatabase(config, createLogger({ LOG_LEVEL: "silent", LOG_FORMAT: "json" }));
    try {
      // 36 statements that each hold their connection for a moment: the pool lends out every
      // connection it may open, queues the rest, and serves them on the same connections.
      const pids = await Promise.all(
        Array.from({ length: 36 }, async () => {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.3)`.execute(handle.db);
          return rows[0]?.pid;
        }),
      );
      assert.equal(new Set(pids).size, 30, "distinct server connections (backends) that served the 36 statements");
    } finally {
      await handle.close();
      await schema.dropSchema();
    }
  });
});
