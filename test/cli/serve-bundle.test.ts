import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { createPostgresSchema } from "../helpers/database.ts";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.ts";
import { postgres, redis } from "../helpers/services.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

// Asked before any test runs: a build blocks the event loop for seconds, and a reachability
// probe waiting through it would time out.
const services = await Promise.all([postgres(), redis()]);
const skip = services.find((service) => service.skip)?.skip ?? false;

const register = (url: string, password: string) =>
  fetch(`${url}/api/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "bundle@example.test", password, name: "Bundle" }),
  });

/**
 * `rampart serve` as production runs it: bin/rampart.js, with the bundle that
 * `npm run build:server` (and `npm ci`, through `prepare`) made from this tree. Everything the
 * bundle had to relocate is exercised: the migrations and the password list found beside the
 * sources, the docs UI's files in its package, the console's build, the native argon2 addon, the
 * request schemas compiled on first use.
 */
describe("rampart serve from its production bundle", () => {
  let server: ServerProcess;
  before(async () => {
    execFileSync(process.execPath, ["scripts/build-server.ts"], { cwd: ROOT, stdio: "inherit" });
    server = await startServerProcess({}, 15_000, ["bin/rampart.js", "serve"]);
  });
  after(async () => {
    server?.child.kill("SIGTERM");
    assert.equal(await server?.exited(), 0);
  });

  it("says it runs the bundle", () => {
    const listening = server.lines.find((line) => line.msg === "rampart listening");
    assert.equal(listening?.build, "bundle");
  });

  it("wraps no function in keepNames' __name() (a defineProperty per request in Fastify's hook runners)", () => {
    const meta = JSON.parse(readFileSync(`${ROOT}dist/server/meta.json`, "utf8")) as {
      outputs: Record<string, unknown>;
    };
    const chunks = Object.keys(meta.outputs).filter((path) => path.endsWith(".js"));
    assert.ok(chunks.length > 1);
    for (const chunk of chunks) assert.doesNotMatch(readFileSync(`${ROOT}${chunk}`, "utf8"), /\b__name\(/, chunk);
  });

  it("answers probes and serves the same OpenAPI document as the sources", async () => {
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
    const res = await fetch(`${server.url}/openapi.json`);
    assert.equal(res.status, 200);
    const served = (await res.json()) as { paths: Record<string, unknown> };
    const committed = JSON.parse(readFileSync(`${ROOT}openapi.json`, "utf8")) as { paths: Record<string, unknown> };
    assert.deepEqual(Object.keys(served.paths).sort(), Object.keys(committed.paths).sort());
  });

  it("serves the docs page and its assets from the docs UI's package", async () => {
    const page = await fetch(`${server.url}/docs/`, { redirect: "follow" });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /swagger-ui/i);
    const script = await fetch(`${server.url}/docs/static/swagger-ui-bundle.js`);
    assert.equal(script.status, 200);
    assert.ok((await script.arrayBuffer()).byteLength > 100_000);
  });

  it("serves the console's build", async () => {
    const res = await fetch(`${server.url}/console/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
  });

  it("registers an account (migrated database, argon2) and refuses a common password from its list", async () => {
    const created = await register(server.url, "a long and unusual passphrase 7");
    assert.equal(created.status, 201);
    assert.deepEqual(await created.json(), { email: "bundle@example.test", status: "verification_sent" });
    const common = await register(server.url, "iloveyou");
    assert.equal(common.status, 422);
    assert.match(await common.text(), /most commonly used passwords/);
  });

  it("answers a malformed request with a problem, not a stack trace", async () => {
    const res = await fetch(`${server.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"email":',
    });
    assert.equal(res.status, 400);
    assert.match(res.headers.get("content-type") ?? "", /application\/problem\+json/);
    assert.doesNotMatch(await res.text(), /at .*\.js:\d+/);
  });
});

/**
 * The PostgreSQL and Redis clients are deferred requires: the bundle carries each as one file
 * under vendor/, loaded only by a process configured to use it.
 */
describe("rampart serve from its production bundle, on PostgreSQL and Redis", { skip }, () => {
  let server: ServerProcess;
  let dropSchema: (() => Promise<void>) | undefined;
  const prefix = `rampart:test:${randomBytes(4).toString("hex")}`;
  before(async () => {
    execFileSync(process.execPath, ["scripts/build-server.ts"], { cwd: ROOT, stdio: "inherit" });
    const schema = await createPostgresSchema();
    dropSchema = schema.dropSchema;
    server = await startServerProcess(
      {
        DATABASE_URL: schema.url,
        REDIS_URL: services[1].url ?? "",
        RATE_LIMIT_KEY_PREFIX: `${prefix}:rl`,
        CACHE_KEY_PREFIX: `${prefix}:cache`,
      },
      15_000,
      ["bin/rampart.js", "serve"],
    );
  });
  after(async () => {
    server?.child.kill("SIGTERM");
    assert.equal(await server?.exited(), 0);
    await dropSchema?.();
  });

  it("runs the bundle, migrates PostgreSQL, and is ready with both services", async () => {
    assert.equal(server.lines.find((line) => line.msg === "rampart listening")?.build, "bundle");
    const ready = await fetch(`${server.url}/health/ready`);
    assert.equal(ready.status, 200);
    const body = (await ready.json()) as { status: string; checks: Record<string, { status: string }> };
    assert.equal(body.status, "ready");
    assert.equal(body.checks.database?.status, "ok");
    assert.equal(body.checks.redis?.status, "ok");
  });

  it("registers an account in PostgreSQL and counts the request in Redis", async () => {
    const created = await register(server.url, "a long and unusual passphrase 8");
    assert.equal(created.status, 201);
    assert.ok(created.headers.get("ratelimit-policy") ?? created.headers.get("ratelimit"), "rate-limit headers");
  });
});
