import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

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
    const register = (password: string) =>
      fetch(`${server.url}/api/v1/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "bundle@example.test", password, name: "Bundle" }),
      });
    const created = await register("a long and unusual passphrase 7");
    assert.equal(created.status, 201);
    assert.deepEqual(await created.json(), { email: "bundle@example.test", status: "verification_sent" });
    const common = await register("iloveyou");
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
