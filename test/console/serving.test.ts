import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import { installErrorHandling } from "../../src/platform/errors/error-handler.ts";
import { CONSOLE_CONTENT_SECURITY_POLICY, CONSOLE_DIST, registerConsole } from "../../src/platform/http/console.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { ensureConsoleBuilt } from "./build.ts";

// How Rampart serves the console: only the files the build wrote, hashed assets cached for a
// year, index.html revalidated, client routes answered with index.html, a strict CSP, and a
// clear 503 (never a 500) when the console was not built.

describe("the console's files, served by Rampart", () => {
  let t: TestApp;
  let asset: string;
  before(async () => {
    ensureConsoleBuilt();
    t = await buildTestApp();
    await t.app.ready();
    const index = readFileSync(join(CONSOLE_DIST, "index.html"), "utf8");
    const match = /src="(\/console\/assets\/index-[\w-]+\.js)"/.exec(index);
    assert.ok(match, "index.html loads a hashed module script");
    asset = match[1] as string;
  });
  after(() => t.app.close());

  it("answers /console and every client route with index.html, revalidated, under a strict CSP", async () => {
    for (const url of ["/console", "/console/", "/console/companies/x/members", "/console/operator/kill-switch?x=1"]) {
      const res = await t.app.inject({ method: "GET", url });
      assert.equal(res.statusCode, 200, url);
      assert.match(res.headers["content-type"] as string, /^text\/html/);
      assert.match(res.body, /<div id="app"><\/div>/);
      assert.equal(res.headers["cache-control"], "no-cache");
      assert.equal(res.headers["content-security-policy"], CONSOLE_CONTENT_SECURITY_POLICY);
      assert.equal(res.headers["x-frame-options"], "DENY");
    }
  });

  it("has a CSP with no unsafe-inline, no unsafe-eval and no other origin", async () => {
    const res = await t.app.inject({ method: "GET", url: "/console" });
    const csp = res.headers["content-security-policy"] as string;
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|unsafe-hashes|\*|https?:|data:|blob:/);
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ]) {
      assert.ok(csp.split("; ").includes(directive), directive);
    }
    // The built page itself has no inline script or style for the policy to block.
    assert.doesNotMatch(res.body, /<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=/);
  });

  it("serves hashed assets as immutable for a year, even to a request that carries a cookie", async () => {
    const res = await t.app.inject({ method: "GET", url: asset, headers: { cookie: "unrelated=1" } });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers["content-type"] as string, /^text\/javascript/);
    assert.equal(res.headers["cache-control"], "public, max-age=31536000, immutable");
  });

  it("answers an unknown asset, an encoded or dotted path with 404 under assets, never a file outside the build", async () => {
    for (const url of [
      "/console/assets/nope.js",
      "/console/assets/../../package.json",
      "/console/assets/%2e%2e/%2e%2e/package.json",
      "/console/assets/..%2f..%2fpackage.json",
    ]) {
      const res = await t.app.inject({ method: "GET", url });
      assert.ok(res.statusCode === 404, `${url}: ${res.statusCode}`);
      assert.doesNotMatch(res.body, /"name": "rampart"/);
    }
    // Outside assets/, a path is a client route: the page, never a file's content.
    const res = await t.app.inject({ method: "GET", url: "/console/../package.json" });
    assert.doesNotMatch(res.body, /"name": "rampart"/);
  });

  it("needs no credentials and grants none: the page answers the same with or without a token", async () => {
    const anonymous = await t.app.inject({ method: "GET", url: "/console/companies/x/api-keys" });
    const withBogusToken = await t.app.inject({
      method: "GET",
      url: "/console/companies/x/api-keys",
      headers: { authorization: "Bearer nonsense" },
    });
    assert.equal(anonymous.statusCode, 200);
    assert.equal(withBogusToken.body, anonymous.body);
    assert.equal(anonymous.headers["set-cookie"], undefined);
  });

  it("refuses writes to console paths", async () => {
    const res = await t.app.inject({ method: "POST", url: "/console", payload: {} });
    assert.equal(res.statusCode, 404);
  });
});

describe("a deployment that turns the console off", () => {
  let t: TestApp;
  before(async () => {
    ensureConsoleBuilt();
    t = await buildTestApp({ ENABLE_CONSOLE: "false" });
    await t.app.ready();
  });
  after(() => t.app.close());

  it("ENABLE_CONSOLE=false: /console and its assets are not routed (404 problem), the API still answers", async () => {
    for (const url of ["/console", "/console/members", "/console/assets/index.js"]) {
      const res = await t.app.inject({ method: "GET", url });
      assert.equal(res.statusCode, 404, url);
      assert.match(res.headers["content-type"] as string, /application\/problem\+json/, url);
      assert.doesNotMatch(res.body, /<!doctype html>/i, url);
    }
    assert.equal((await t.app.inject({ method: "GET", url: "/health" })).statusCode, 200);
  });
});

describe("a console that was not built", () => {
  let app: FastifyInstance;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "rampart-console-"));
    app = Fastify();
    installErrorHandling(app);
    await registerConsole(app, { dist: join(dir, "missing") });
    await app.ready();
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers 503 console.not_built saying how to build it", async () => {
    const res = await app.inject({ method: "GET", url: "/console/members" });
    assert.equal(res.statusCode, 503);
    assert.match(res.headers["content-type"] as string, /application\/problem\+json/);
    const body = res.json() as { code: string; detail: string };
    assert.equal(body.code, "console.not_built");
    assert.match(body.detail, /npm run console:build/);
  });
});

describe("the files a build directory holds", () => {
  let app: FastifyInstance;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "rampart-console-"));
    mkdirSync(join(dir, "assets"));
    mkdirSync(join(dir, ".vite"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><p>index</p>");
    writeFileSync(join(dir, "assets", "app-abc123.js"), "export {};");
    writeFileSync(join(dir, "assets", "app-abc123.js.map"), "{}");
    writeFileSync(join(dir, ".vite", "manifest.json"), "{}");
    writeFileSync(join(dir, "assets", "notes.sh"), "echo hi");
    app = Fastify();
    installErrorHandling(app);
    await registerConsole(app, { dist: dir });
    await app.ready();
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves the kinds a build emits and nothing else (no source maps, dotfiles or other files)", async () => {
    assert.equal((await app.inject({ method: "GET", url: "/console/assets/app-abc123.js" })).statusCode, 200);
    for (const url of ["/console/assets/app-abc123.js.map", "/console/assets/notes.sh"]) {
      assert.equal((await app.inject({ method: "GET", url })).statusCode, 404, url);
    }
    const dotted = await app.inject({ method: "GET", url: "/console/.vite/manifest.json" });
    assert.equal(dotted.body, "<!doctype html><p>index</p>", "a dotfile path is only a client route");
  });

  it("reads files once at startup: a file written later is not served", async () => {
    writeFileSync(join(dir, "assets", "late-xyz.js"), "export {};");
    assert.equal((await app.inject({ method: "GET", url: "/console/assets/late-xyz.js" })).statusCode, 404);
  });
});
