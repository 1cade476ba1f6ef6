import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import { Registry } from "prom-client";
import { createCache } from "../../../src/platform/cache/cache.ts";
import type { Cache } from "../../../src/platform/cache/contract.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { closeRedis, connectRedis, createRedisClient } from "../../../src/platform/redis/connect.ts";
import { buildTestApp, type TestApp, testConfig } from "../../helpers/app.ts";
import { counterValue, testCacheOptions } from "../../helpers/cache.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { LogCapture } from "../../helpers/log-capture.ts";
import { redis } from "../../helpers/services.ts";
import { createCompany, joinDirectly, makePlatformAdmin, newUser, type SignedIn } from "../../helpers/tenancy.ts";

const service = await redis();
const postgres = (await enginesUnderTest()).find((e) => e.engine === "postgres");
const skip = service.skip || postgres?.skip || (postgres === undefined && "PostgreSQL not configured");

/**
 * Two instances behind one load balancer: one PostgreSQL, one Redis, each with its own
 * in-process cache layer warmed with the old answer. A change made through one must be
 * seen by the other on its next requests — within 1 s, through Redis pub/sub.
 */
describe("authorization changes reach every instance (PostgreSQL + Redis)", { skip }, () => {
  const keyPrefix = testCacheOptions().keyPrefix;
  const clients: Redis[] = [];
  const caches: Cache[] = [];
  let one: IdentityHarness;
  let two: TestApp;
  let twoMetrics: Registry;
  let admin: SignedIn;
  let owner: SignedIn;

  async function instanceDeps() {
    const logger = createLogger(testConfig(), new LogCapture());
    const client = createRedisClient(
      { url: service.url as string, connectTimeoutMs: 1000, commandTimeoutMs: 500 },
      logger,
    );
    await connectRedis(client, 1000, logger);
    clients.push(client);
    const metrics = new Registry();
    // A long local TTL: only an invalidation can explain the other instance changing its answer.
    const cache = await createCache(testCacheOptions({ keyPrefix, localTtlMs: 60_000 }), {
      redis: client,
      logger,
      metrics,
    });
    caches.push(cache);
    return { redis: client, cache, metrics };
  }

  before(async () => {
    one = await identityHarness(postgres as NonNullable<typeof postgres>, {}, await instanceDeps());
    const twoDeps = await instanceDeps();
    twoMetrics = twoDeps.metrics;
    two = await buildTestApp(
      { ENABLE_RATE_LIMITING: "false" },
      { ...twoDeps, database: one.database.handle, clock: one.clock, signingKeys: one.deps.signingKeys },
    );
    await two.app.ready();
    admin = await newUser(one, "admin");
    await makePlatformAdmin(one, admin.userId);
    owner = await newUser(one, "owner");
  });
  after(async () => {
    await two?.app.close();
    await one?.close();
    await Promise.all(caches.map((c) => c.close()));
    await Promise.all(clients.map((c) => closeRedis(c)));
  });

  /**
   * Repeats a request on instance two until its answer comes from its cache (a hit in
   * `namespace`) twice, 400 ms apart — past the repeat of any earlier invalidation — so
   * the change that follows has a stale entry that only its own invalidation can evict.
   */
  async function warmOnTwo(request: () => Promise<number>, namespace: string, status: number): Promise<void> {
    const deadline = performance.now() + 5000;
    let hitsInARow = 0;
    while (performance.now() < deadline) {
      const before = await counterValue(twoMetrics, "rampart_cache_hits_total", { namespace });
      assert.equal(await request(), status);
      const hit = (await counterValue(twoMetrics, "rampart_cache_hits_total", { namespace })) > before;
      hitsInARow = hit ? hitsInARow + 1 : 0;
      if (hitsInARow === 2) return;
      await sleep(hit ? 400 : 50);
    }
    assert.fail(`instance two never kept answering from its ${namespace} cache`);
  }

  /** Polls instance two until `status` comes back; returns how long it took. */
  async function seenOnTwo(request: () => Promise<number>, status: number): Promise<number> {
    const started = performance.now();
    let last = 0;
    while (performance.now() - started < 1000) {
      last = await request();
      if (last === status) return performance.now() - started;
      await sleep(20);
    }
    assert.fail(`instance two still answers ${last} after 1 s (expected ${status})`);
  }

  it("a role change on one instance applies on the other within 1 s", async () => {
    const company = await createCompany(one.app, owner, "two-roles");
    const member = await newUser(one, "member");
    await joinDirectly(one, company.id, member, "viewer");
    const rename = async () =>
      (
        await two.app.inject({
          method: "PATCH",
          url: `/api/v1/companies/${company.id}`,
          headers: member.headers,
          payload: { name: "Renamed" },
        })
      ).statusCode;
    await warmOnTwo(rename, "membership", 403);
    const promote = await one.app.inject({
      method: "PATCH",
      url: `/api/v1/companies/${company.id}/members/${member.userId}`,
      headers: owner.headers,
      payload: { role: "admin" },
    });
    assert.equal(promote.statusCode, 204);
    await seenOnTwo(rename, 200);
  });

  it("a removed member, a suspended company and a suspended user are refused by the other instance within 1 s", async () => {
    const company = await createCompany(one.app, owner, "two-suspensions");
    const member = await newUser(one, "member");
    await joinDirectly(one, company.id, member, "member");
    const read = (user: SignedIn) => async () =>
      (await two.app.inject({ url: `/api/v1/companies/${company.id}`, headers: user.headers })).statusCode;
    await warmOnTwo(read(owner), "company-status", 200);
    await warmOnTwo(read(member), "membership", 200);

    await one.app.inject({
      method: "POST",
      url: `/api/v1/admin/companies/${company.id}/suspend`,
      headers: admin.headers,
    });
    await seenOnTwo(read(owner), 403);
    await one.app.inject({
      method: "POST",
      url: `/api/v1/admin/companies/${company.id}/unsuspend`,
      headers: admin.headers,
    });
    await seenOnTwo(read(owner), 200);

    await one.app.inject({
      method: "DELETE",
      url: `/api/v1/companies/${company.id}/members/${member.userId}`,
      headers: owner.headers,
    });
    await seenOnTwo(read(member), 404);

    const me = async () => (await two.app.inject({ url: "/api/v1/users/me", headers: owner.headers })).statusCode;
    await warmOnTwo(me, "session", 200);
    await one.app.inject({
      method: "POST",
      url: `/api/v1/admin/users/${owner.userId}/suspend`,
      headers: admin.headers,
    });
    await seenOnTwo(me, 401);
  });
  it("a member list cached on the other instance shows a join, a role change and a removal within 1 s", async () => {
    // Its own owner: the test before suspends the shared one.
    const head = await newUser(one, "list-owner");
    const company = await createCompany(one.app, head, "two-member-lists");
    const member = await newUser(one, "listed");
    const listOnTwo = async () => {
      const page = await two.app.inject({ url: `/api/v1/companies/${company.id}/members`, headers: head.headers });
      assert.equal(page.statusCode, 200, page.body);
      const items = page.json().items as { userId: string; role: string }[];
      return items.map((m) => `${m.userId === head.userId ? "owner" : "member"}:${m.role}`).join(",");
    };
    const listed = async () => {
      await listOnTwo();
      return 200;
    };
    /** Polls instance two's list until it reads `expected`. */
    async function listSeen(expected: string) {
      const started = performance.now();
      let last = await listOnTwo();
      while (last !== expected) {
        assert.ok(
          performance.now() - started < 1000,
          `instance two still lists ${last} after 1 s (expected ${expected})`,
        );
        await sleep(20);
        last = await listOnTwo();
      }
    }
    const ownerFirst = head.userId < member.userId;
    const both = (role: string) => (ownerFirst ? `owner:owner,member:${role}` : `member:${role},owner:owner`);

    await warmOnTwo(listed, "member-list", 200);
    assert.equal(await listOnTwo(), "owner:owner");
    await joinDirectly(one, company.id, member, "viewer");
    await listSeen(both("viewer"));

    await warmOnTwo(listed, "member-list", 200);
    const promoted = await one.app.inject({
      method: "PATCH",
      url: `/api/v1/companies/${company.id}/members/${member.userId}`,
      headers: head.headers,
      payload: { role: "member" },
    });
    assert.equal(promoted.statusCode, 204, promoted.body);
    await listSeen(both("member"));

    await warmOnTwo(listed, "member-list", 200);
    const removed = await one.app.inject({
      method: "DELETE",
      url: `/api/v1/companies/${company.id}/members/${member.userId}`,
      headers: head.headers,
    });
    assert.equal(removed.statusCode, 204, removed.body);
    await listSeen("owner:owner");
  });

  it("a new name and a suspension of a key's creator are seen by the other instance within 1 s, though it had the user row cached", async () => {
    const person = await newUser(one, "renamed");
    const company = await createCompany(one.app, person, "two-key-creator");
    const nameOnTwo = async () =>
      (await two.app.inject({ url: "/api/v1/users/me", headers: person.headers })).json().name as string;
    const listedOnTwo = async () => {
      const page = await two.app.inject({ url: `/api/v1/companies/${company.id}/members`, headers: person.headers });
      return (page.json().items as { userId: string; name: string }[]).find((m) => m.userId === person.userId)?.name;
    };
    const meOnTwo = async () => (await two.app.inject({ url: "/api/v1/users/me", headers: person.headers })).statusCode;
    const membersOnTwo = async () =>
      (await two.app.inject({ url: `/api/v1/companies/${company.id}/members`, headers: person.headers })).statusCode;
    await warmOnTwo(meOnTwo, "user", 200);
    await warmOnTwo(membersOnTwo, "user", 200);
    const renamed = await one.app.inject({
      method: "PATCH",
      url: "/api/v1/users/me",
      headers: person.headers,
      payload: { name: "Name After" },
    });
    assert.equal(renamed.statusCode, 200, renamed.body);
    const started = performance.now();
    while ((await nameOnTwo()) !== "Name After" || (await listedOnTwo()) !== "Name After") {
      assert.ok(performance.now() - started < 1000, "instance two still shows the old name after 1 s");
      await sleep(20);
    }

    // An API key acts only while its creator's account is active (creator-rights.ts), read from the cached row.
    const created = await one.app.inject({
      method: "POST",
      url: `/api/v1/companies/${company.id}/api-keys`,
      headers: person.headers,
      payload: { name: "ci", scopes: ["company:read"] },
    });
    assert.equal(created.statusCode, 201, created.body);
    const keyHeaders = { "x-api-key": created.json().key as string };
    const readByKey = async () =>
      (await two.app.inject({ url: `/api/v1/companies/${company.id}`, headers: keyHeaders })).statusCode;
    await warmOnTwo(readByKey, "user", 200);
    const suspended = await one.app.inject({
      method: "POST",
      url: `/api/v1/admin/users/${person.userId}/suspend`,
      headers: admin.headers,
    });
    assert.equal(suspended.statusCode, 200, suspended.body);
    await seenOnTwo(readByKey, 403);
  });
});
