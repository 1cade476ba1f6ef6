import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import type { App } from "../../../src/app.ts";
import { loadConfig } from "../../../src/config/load.ts";
import { openDatabase } from "../../../src/platform/db/connect.ts";
import { deleteExpiredKeys } from "../../../src/platform/idempotency/store.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { buildTestApp } from "../../helpers/app.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { createCompany, newUser, type SignedIn } from "../../helpers/tenancy.ts";
import { waitFor } from "../../helpers/wait.ts";

for (const engine of await enginesUnderTest()) {
  describe(`Idempotency-Key (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let owner: SignedIn;
    let company: { id: string };
    before(async () => {
      h = await identityHarness(engine);
      owner = await newUser(h, "idem-owner");
      company = await createCompany(h.app, owner, `idem-${Date.now()}`);
    });
    after(() => h.close());

    const createKey = (app: App, key: string | undefined, name = "ci") =>
      app.inject({
        method: "POST",
        url: `/api/v1/companies/${company.id}/api-keys`,
        headers: { ...owner.headers, ...(key === undefined ? {} : { "idempotency-key": key }) },
        payload: { name, scopes: ["company:read"] },
      });
    const keysNamed = async (name: string) =>
      (await h.database.handle.db.selectFrom("api_keys").select("id").where("name", "=", name).execute()).length;

    it("the same POST twice creates one row and answers the same bytes twice", async () => {
      const first = await createKey(h.app, "k-1", "once");
      const second = await createKey(h.app, "k-1", "once");
      assert.equal(first.statusCode, 201, first.body);
      assert.equal(second.statusCode, 201);
      assert.equal(second.body, first.body, "the secret shown once is the same secret, not a second key");
      assert.equal(second.headers["content-type"], first.headers["content-type"]);
      assert.equal(await keysNamed("once"), 1);
      // Without a key, the same request creates another.
      assert.equal((await createKey(h.app, undefined, "once")).statusCode, 201);
      assert.equal(await keysNamed("once"), 2);
    });

    it("the draft's quoted form is the same key; a key reused with another body is a 422 problem", async () => {
      assert.equal((await createKey(h.app, '"k-2"', "quoted")).statusCode, 201);
      const replay = await createKey(h.app, "k-2", "quoted");
      assert.equal(replay.statusCode, 201);
      const reused = await createKey(h.app, "k-2", "another name");
      assert.equal(reused.statusCode, 422, reused.body);
      assert.match(String(reused.headers["content-type"]), /^application\/problem\+json/);
      assert.equal(reused.json().code, "idempotency.key_reused");
      assert.equal(await keysNamed("another name"), 0);
      const bad = await createKey(h.app, "no spaces allowed", "bad");
      assert.equal(bad.statusCode, 422);
      assert.equal(bad.json().code, "idempotency.invalid_key");
    });

    it("a key belongs to its caller: another user's same key runs their own request", async () => {
      const other = await newUser(h, "idem-other");
      const theirs = await createCompany(h.app, other, `idem-o-${Date.now()}`);
      const res = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${theirs.id}/api-keys`,
        headers: { ...other.headers, "idempotency-key": "k-1" },
        payload: { name: "once", scopes: ["company:read"] },
      });
      assert.equal(res.statusCode, 201);
      assert.equal(await keysNamed("once"), 3);
    });

    it("a concurrent pair creates one row; the other answer is a 409 or the same replay", async () => {
      const [a, b] = await Promise.all([createKey(h.app, "k-pair", "pair"), createKey(h.app, "k-pair", "pair")]);
      const statuses = [a.statusCode, b.statusCode].sort();
      assert.ok(
        JSON.stringify(statuses) === "[201,409]" || (statuses.join() === "201,201" && a.body === b.body),
        `got ${statuses.join()}`,
      );
      assert.equal(await keysNamed("pair"), 1);
    });

    it("expired keys are deleted, and a key past 24 h runs the request again", async () => {
      assert.equal((await createKey(h.app, "k-exp", "expiring")).statusCode, 201);
      // 24 h later (the row's expiry moved into the past: the access token would not survive a clock jump).
      const past = new Date(Date.now() - 1000).toISOString();
      await h.database.handle.db.updateTable("idempotency_keys").set({ expires_at: past }).execute();
      assert.equal((await createKey(h.app, "k-exp", "expiring")).statusCode, 201);
      assert.equal(await keysNamed("expiring"), 2);
      await h.database.handle.db.updateTable("idempotency_keys").set({ expires_at: past }).execute();
      const removed = await deleteExpiredKeys(h.database.handle.db, new Date());
      assert.ok(removed >= 1);
      const left = await h.database.handle.db.selectFrom("idempotency_keys").select("id").execute();
      assert.equal(left.length, 0);
    });
  });
}

const [, postgres] = await enginesUnderTest();
describe("Idempotency-Key across two instances on one PostgreSQL", { skip: postgres?.skip ?? "no PostgreSQL" }, () => {
  let h: IdentityHarness;
  let second: App;
  let owner: SignedIn;
  let company: { id: string };
  before(async () => {
    assert.ok(postgres);
    h = await identityHarness(postgres);
    const handle = openDatabase(
      loadConfig({ APP_ENV: "test", DATABASE_URL: h.database.url }),
      createLogger({ LOG_LEVEL: "silent", LOG_FORMAT: "json" }),
    );
    second = (await buildTestApp({ ENABLE_RATE_LIMITING: "false" }, { database: handle, clock: h.clock })).app;
    second.addHook("onClose", () => handle.close());
    await second.ready();
    owner = await newUser(h, "idem-two");
    company = await createCompany(h.app, owner, `idem-two-${Date.now()}`);
  });
  after(async () => {
    await second.close();
    await h.close();
  });

  const createKey = (app: App, key: string) =>
    app.inject({
      method: "POST",
      url: `/api/v1/companies/${company.id}/api-keys`,
      headers: { ...owner.headers, "idempotency-key": key },
      payload: { name: `two-${key}`, scopes: ["company:read"] },
    });

  /** Holds the company row so a request with `key` stays in flight on `first`, then sends the repeat to `repeat`. */
  async function pairWhileInFlight(first: App, repeat: App, key: string) {
    const blocker = new pg.Client({ connectionString: h.database.url });
    await blocker.connect();
    try {
      await blocker.query("begin");
      await blocker.query("select id from companies where id = $1 for update", [company.id]);
      const running = createKey(first, key);
      await waitFor(
        async () =>
          (await h.database.handle.db.selectFrom("idempotency_keys").select("status").execute()).some(
            (r) => r.status === "in_flight",
          ),
        5000,
        "the first request in flight",
      );
      const concurrent = await createKey(repeat, key);
      await blocker.query("commit");
      return { concurrent, done: await running };
    } finally {
      await blocker.end();
    }
  }

  it("a repeat on the other instance replays; one still running there is a 409", async () => {
    const first = await createKey(h.app, "x-1");
    const replay = await createKey(second, "x-1");
    assert.equal(first.statusCode, 201);
    assert.equal(replay.statusCode, 201);
    assert.equal(replay.body, first.body);

    const { concurrent, done } = await pairWhileInFlight(h.app, second, "x-2");
    assert.equal(concurrent.statusCode, 409, concurrent.body);
    assert.equal(concurrent.json().code, "idempotency.in_flight");
    assert.equal(done.statusCode, 201, done.body);
    assert.equal((await createKey(second, "x-2")).body, done.body);
    const rows = await h.database.handle.db.selectFrom("api_keys").select("id").where("name", "=", "two-x-2").execute();
    assert.equal(rows.length, 1);
  });

  it("a key used on one instance with another body on the other is a 422 problem, and creates nothing", async () => {
    const first = await createKey(h.app, "x-4");
    assert.equal(first.statusCode, 201, first.body);
    const other = await second.inject({
      method: "POST",
      url: `/api/v1/companies/${company.id}/api-keys`,
      headers: { ...owner.headers, "idempotency-key": "x-4" },
      payload: { name: "two-x-4-other", scopes: ["company:read"] },
    });
    assert.equal(other.statusCode, 422, other.body);
    assert.equal(other.json().code, "idempotency.key_reused");
    assert.match(String(other.headers["content-type"]), /^application\/problem\+json/);
    const rows = await h.database.handle.db
      .selectFrom("api_keys")
      .select("name")
      .where("name", "in", ["two-x-4", "two-x-4-other"])
      .execute();
    assert.deepEqual(
      rows.map((r) => r.name),
      ["two-x-4"],
    );
  });

  it("a concurrent pair on one instance: exactly one 409, one row", async () => {
    const { concurrent, done } = await pairWhileInFlight(h.app, h.app, "x-3");
    assert.deepEqual([done.statusCode, concurrent.statusCode], [201, 409]);
    const rows = await h.database.handle.db.selectFrom("api_keys").select("id").where("name", "=", "two-x-3").execute();
    assert.equal(rows.length, 1);
  });
});
