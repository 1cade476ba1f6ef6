import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { KyselyPlugin } from "kysely";
import type { DatabaseHandle } from "../../../src/platform/db/connect.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { createMailer } from "../../../src/platform/mail/mailer.ts";
import { buildTestApp, testConfig } from "../../helpers/app.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import { register } from "../../helpers/identity.ts";
import { mailsTo } from "../../helpers/outbox.ts";

const inRequest = new AsyncLocalStorage<true>();

/**
 * The same handle, recording as SQL text every statement run on behalf of a request made
 * inside `inRequest` — not the mail worker's, which runs in its own async context.
 */
function recording(handle: DatabaseHandle): { handle: DatabaseHandle; statements: string[] } {
  const statements: string[] = [];
  const plugin: KyselyPlugin = {
    transformQuery({ node, queryId }) {
      if (inRequest.getStore()) statements.push(handle.db.getExecutor().compileQuery(node, queryId).sql);
      return node;
    },
    transformResult: async ({ result }) => result,
  };
  return { handle: { ...handle, db: handle.db.withPlugin(plugin) }, statements };
}

const ROUTES = ["/api/v1/auth/password/forgot", "/api/v1/auth/resend-verification"];

for (const engine of await enginesUnderTest()) {
  describe(`mail for an address that may not be an account (${engine.engine})`, { skip: engine.skip }, () => {
    it("forgot-password and resend-verification do the same awaited work for a known and an unknown address", async () => {
      const database = await engine.create();
      const dataDir = mkdtempSync(join(tmpdir(), "rampart-timing-"));
      const config = testConfig({ DATA_DIR: dataDir });
      const recorder = recording(database.handle);
      // As in a server process: mail goes through the durable queue and its worker.
      const mailer = createMailer(config, createLogger({ LOG_LEVEL: "silent", LOG_FORMAT: "json" }), recorder.handle);
      const { app } = await buildTestApp({ ENABLE_RATE_LIMITING: "false" }, { database: recorder.handle, mailer });
      try {
        const known = "known@example.com";
        const unknown = "nobody@example.com";
        assert.equal((await register(app, known)).statusCode, 201, "an unverified account");
        await mailer.drain(5000);

        for (const url of ROUTES) {
          const awaited: Record<string, string[]> = {};
          for (const email of [known, unknown]) {
            recorder.statements.length = 0;
            const res = await inRequest.run(true, () => app.inject({ method: "POST", url, payload: { email } }));
            assert.equal(res.statusCode, 202);
            awaited[email] = [...recorder.statements];
          }
          assert.deepEqual(awaited[known], awaited[unknown], `${url}: the same statements either way`);
          assert.equal(awaited[known]?.length, 1, `${url}: ${awaited[known]?.join("; ")}`);
          assert.match(awaited[known]?.[0] ?? "", /^insert into "mail_queue"/);
        }

        // The worker then sends the known address its mails, and the unknown one nothing.
        await mailer.drain(10_000);
        const outbox = join(dataDir, "outbox");
        const kinds = mailsTo(outbox, known).map((m) => /X-Rampart-Kind: (\S+)/.exec(m)?.[1]);
        assert.deepEqual(kinds.sort(), ["password-reset", "verify-email", "verify-email"]);
        assert.deepEqual(mailsTo(outbox, unknown), []);
      } finally {
        await app.close();
        await mailer.close();
        await database.drop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}
