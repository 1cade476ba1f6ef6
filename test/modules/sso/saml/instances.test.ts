import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../../../../src/config/load.ts";
import {
  consumeSamlResponse,
  pruneSamlState,
  type SamlDeps,
  SamlRefusal,
  samlSettings,
  startSamlSignIn,
} from "../../../../src/modules/sso/saml/index.ts";
import { systemClock } from "../../../../src/platform/clock.ts";
import { type DatabaseHandle, openDatabase } from "../../../../src/platform/db/connect.ts";
import { newId } from "../../../../src/platform/db/ids.ts";
import { loadMigrations, migrateUp } from "../../../../src/platform/db/migrator.ts";
import { createLogger } from "../../../../src/platform/logging/logger.ts";
import { type CliDatabase, cliDatabaseTargets } from "../../../helpers/cli-database.ts";
import { createTestIdp, type SpView, type TestIdp } from "../../../helpers/saml-idp.ts";

// Two SP instances, each with its own connection pool on one database (a SQLite file, a
// PostgreSQL schema): a response accepted by one is refused by the other, and a request
// started on one is answered on the other — the state lives in the database, not in memory.

const SP: SpView = { entityId: "https://rampart.test/sso/saml/c2", acsUrl: "https://rampart.test/acs/c2" };
const silent = createLogger({ LOG_LEVEL: "silent", LOG_FORMAT: "json" });

for (const target of await cliDatabaseTargets("saml")) {
  describe(`SAML state shared by two instances (${target.engine})`, { skip: target.skip }, () => {
    let database: CliDatabase;
    let second: DatabaseHandle;
    let a: SamlDeps;
    let b: SamlDeps;
    let idp: TestIdp;
    const connectionId = newId();
    let settings: ReturnType<typeof samlSettings>;

    before(async () => {
      database = await target.open();
      await migrateUp(database.handle, await loadMigrations());
      second = openDatabase(loadConfig({ APP_ENV: "test", DATABASE_URL: database.url }), silent);
      a = { db: database.handle.db, clock: systemClock };
      b = { db: second.db, clock: systemClock };
      idp = createTestIdp();
      settings = samlSettings({
        spEntityId: SP.entityId,
        acsUrl: SP.acsUrl,
        idpEntityId: idp.entityId,
        idpSsoUrl: idp.ssoUrl,
        idpCertificates: [idp.keys.certificate],
        allowIdpInitiated: true,
      });
    });
    after(async () => {
      await second.close();
      await database.handle.close();
      await database.cleanup();
    });

    const user = { nameId: "grace@example.com" };

    it("a response accepted by one instance is refused as a replay by the other", async () => {
      const { requestId } = await startSamlSignIn(a, connectionId, settings);
      const response = await idp.respond(SP, { ...user, inResponseTo: requestId });
      await consumeSamlResponse(a, connectionId, settings, response);
      await assert.rejects(
        consumeSamlResponse(b, connectionId, settings, response),
        (e: unknown) => e instanceof SamlRefusal && e.reason === "assertion_replayed",
      );
      const unsolicited = await idp.respond(SP, user);
      await consumeSamlResponse(b, connectionId, settings, unsolicited);
      await assert.rejects(
        consumeSamlResponse(a, connectionId, settings, unsolicited),
        (e: unknown) => e instanceof SamlRefusal && e.reason === "assertion_replayed",
      );
    });

    it("a request started on one instance is answered on the other, once", async () => {
      const { requestId } = await startSamlSignIn(a, connectionId, settings);
      const signIn = await consumeSamlResponse(
        b,
        connectionId,
        settings,
        await idp.respond(SP, { ...user, inResponseTo: requestId }),
      );
      assert.equal(signIn.requestId, requestId);
      await assert.rejects(
        consumeSamlResponse(a, connectionId, settings, await idp.respond(SP, { ...user, inResponseTo: requestId })),
        (e: unknown) => e instanceof SamlRefusal && e.reason === "in_response_to_invalid",
      );
    });

    it("the same response posted twice at once is accepted exactly once", async () => {
      const { requestId } = await startSamlSignIn(a, connectionId, settings);
      const response = await idp.respond(SP, { ...user, inResponseTo: requestId });
      // SQLite's driver is synchronous: two handles in one process would wait on each other's
      // lock with the event loop blocked, so there both posts share one handle (as two
      // requests to one instance do); on PostgreSQL they race from the two instances.
      const other = target.engine === "postgres" ? b : a;
      const results = await Promise.allSettled([
        consumeSamlResponse(a, connectionId, settings, response),
        consumeSamlResponse(other, connectionId, settings, response),
      ]);
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
      const rejected = results.find((r) => r.status === "rejected");
      assert.ok(
        rejected && rejected.reason instanceof SamlRefusal,
        String(rejected?.status === "rejected" && rejected.reason),
      );
    });

    it("pruning removes only expired request ids and replay entries", async () => {
      const { requestId } = await startSamlSignIn(a, connectionId, settings);
      const later = new Date(Date.now() + 60 * 60_000).toISOString();
      const now = new Date().toISOString();
      assert.equal(await pruneSamlState(b.db, now), 0);
      assert.ok(
        (await pruneSamlState(b.db, later)) >= 4,
        "the requests and assertions of this suite expire within the hour",
      );
      await assert.rejects(
        consumeSamlResponse(a, connectionId, settings, await idp.respond(SP, { ...user, inResponseTo: requestId })),
        (e: unknown) => e instanceof SamlRefusal && e.reason === "in_response_to_invalid",
      );
    });
  });
}
