import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import { settings } from "../../src/config/settings/index.ts";
import { compose, composeRampartEnv } from "../helpers/compose.ts";
import { TEST_ENCRYPTION_KEY } from "../helpers/config.ts";
import { renderDeployedNginx } from "../scale/nginx.ts";

// There is no Docker engine here: these tests hold the deployment files to what the code
// provides (routes, settings, commands), so they cannot drift into describing another app.
const ROOT = new URL("../../", import.meta.url).pathname;
const read = (path: string) => readFileSync(`${ROOT}${path}`, "utf8");
const dockerfile = read("Dockerfile");
const nginx = read("deploy/nginx.conf");
const openapiPaths = Object.keys((JSON.parse(read("openapi.json")) as { paths: Record<string, unknown> }).paths);

/** Instructions of the last stage (the image that runs). */
function finalStage(): string[] {
  const stages = dockerfile.split(/^FROM /m).slice(1);
  return (stages.at(-1) ?? "").split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
}

describe("Dockerfile", () => {
  it("is multi-stage and installs only production dependencies from the lockfile", () => {
    assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 2);
    assert.match(dockerfile, /npm ci --omit=dev/);
    assert.match(dockerfile, /COPY --from=deps \/app\/node_modules/);
  });

  it("runs as a non-root user, stops with SIGTERM, and its health check probes a route that exists", () => {
    const stage = finalStage();
    const user = stage
      .find((l) => l.startsWith("USER "))
      ?.slice(5)
      .trim();
    assert.ok(user && user !== "root" && user !== "0", `final stage runs as ${user}`);
    assert.ok(stage.some((l) => l.trim() === "STOPSIGNAL SIGTERM"));
    const healthcheck = stage.join("\n").match(/HEALTHCHECK[\s\S]*?(\/health\/\w+)/);
    assert.equal(healthcheck?.[1], "/health/live");
    assert.ok(openapiPaths.includes("/health/live"));
  });

  it("copies paths that exist and starts the rampart command", () => {
    for (const [, source = ""] of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const path of source.split(" ")) assert.ok(existsSync(`${ROOT}${path}`), `COPY source ${path} exists`);
    }
    assert.match(dockerfile, /^CMD \["node", "bin\/rampart\.js", "serve"\]$/m);
    assert.ok(existsSync(`${ROOT}bin/rampart.js`));
  });
});

/** What an operator exports before `docker compose up` (compose.yaml's header says so). */
const OPERATOR = {
  SMTP_URL: "smtps://rampart:change-me@smtp.example.com:465",
  ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
};

describe("compose.yaml", () => {
  it("runs PostgreSQL, Redis, a migration step, two Rampart instances and nginx", () => {
    for (const service of ["postgres", "redis", "migrate", "rampart-1", "rampart-2", "nginx"]) {
      assert.match(compose, new RegExp(`^  ${service}:$`, "m"), `service ${service}`);
    }
    assert.match(compose, /\.\/deploy\/nginx\.conf:\/etc\/nginx\/nginx\.conf:ro/);
    assert.match(compose, /command: \["node", "bin\/rampart\.js", "migrate", "up"\]/);
  });

  it("gives the instances a valid production configuration of known settings", () => {
    const env = composeRampartEnv(OPERATOR);
    for (const name of Object.keys(env)) assert.ok(name in settings, `${name} is a Rampart setting`);
    const config = loadConfig(env);
    assert.equal(config.APP_ENV, "production");
    assert.ok(String(config.DATABASE_URL).startsWith("postgres://"));
    assert.ok(config.REDIS_URL);
    // nginx's fixed address is the only trusted proxy.
    assert.match(compose, new RegExp(`ipv4_address: ${env.TRUST_PROXY?.replaceAll(".", "\\.")}`));
  });

  it("lets a drain finish before the engine kills a container", () => {
    const env = composeRampartEnv(OPERATOR);
    const grace = Number(/stop_grace_period: (\d+)s/.exec(compose)?.[1]) * 1000;
    assert.ok(grace > Number(env.SHUTDOWN_DRAIN_DELAY_MS) + Number(env.SHUTDOWN_TIMEOUT_MS));
  });
});

describe("deploy/nginx.conf", () => {
  it("balances over both compose instances on Rampart's port", () => {
    const port = /^\s+PORT=(\d+)/m.exec(dockerfile)?.[1];
    assert.ok(port, "the image sets PORT");
    for (const service of ["rampart-1", "rampart-2"]) {
      assert.match(nginx, new RegExp(`server ${service}:${port}\\b`));
    }
  });

  it("keeps upstream connections alive shorter than Rampart does and retries idempotent requests elsewhere", () => {
    assert.match(nginx, /proxy_http_version 1\.1;/);
    assert.match(nginx, /proxy_set_header Connection "";/);
    const upstream = /upstream rampart \{[^}]*\}/.exec(nginx)?.[0] ?? "";
    const nginxIdleMs = Number(/keepalive_timeout (\d+)s;/.exec(upstream)?.[1]) * 1000;
    assert.ok(nginxIdleMs < loadConfig({}).KEEP_ALIVE_TIMEOUT_MS, "nginx closes idle connections first");
    // A pooled connection idle through a whole drain must be retired by nginx before the
    // instance closes its idle connections, or a POST written on it at that moment is a 502.
    const drainMs = Number(composeRampartEnv(OPERATOR).SHUTDOWN_DRAIN_DELAY_MS);
    assert.ok(nginxIdleMs < drainMs, `nginx keeps idle upstream connections ${nginxIdleMs} ms < drain ${drainMs} ms`);
    assert.match(nginx, /proxy_next_upstream error timeout http_502 http_504;/);
    // A 503 is Rampart's answer (kill switch): retrying it would mark every instance down.
    assert.doesNotMatch(nginx, /proxy_next_upstream[^;]*http_503/);
    assert.doesNotMatch(nginx, /non_idempotent/, "a POST that reached an instance is never sent twice");
    assert.match(nginx, /proxy_set_header X-Forwarded-For \$remote_addr;/);
  });

  it("is what the tests run: rendering changes only addresses and paths, and adds include lines", () => {
    const rendered = renderDeployedNginx(nginx, { dir: "/tmp/t", port: 20001, upstreams: [20002, 20003] });
    const kept = rendered.split("\n").filter((l) => !l.trim().startsWith("include /tmp/t/test-"));
    const shipped = nginx.split("\n");
    assert.equal(kept.length, shipped.length);
    const changed = shipped.flatMap((line, i) => (line === kept[i] ? [] : [[line.trim(), kept[i]?.trim()]]));
    assert.deepEqual(changed, [
      ["pid /tmp/nginx.pid;", "pid /tmp/t/nginx.pid;"],
      ["access_log /dev/stdout rampart;", "access_log /tmp/t/access.log rampart;"],
      ["error_log /dev/stderr warn;", "error_log /tmp/t/error.log warn;"],
      ["server rampart-1:8000 max_fails=0;", "server 127.0.0.1:20002 max_fails=0;"],
      ["server rampart-2:8000 max_fails=0;", "server 127.0.0.1:20003 max_fails=0;"],
      ["listen 80;", "listen 127.0.0.1:20001;"],
    ]);
  });

  it("holds requests to Rampart's own limits: headers, bodies, timeouts; and counts no instance failed", () => {
    const config = loadConfig({});
    const kib = (v: string) => Number(v.replace(/k$/, "")) * 1024;
    const [, count = "0", size = "0"] = /large_client_header_buffers (\d+) (\d+k);/.exec(nginx) ?? [];
    // Node accepts 16 KiB of headers in all; nginx adds its own forwarded headers (< 1 KiB).
    assert.ok(Number(count) * kib(size) <= 16 * 1024 - 1024, "nginx passes no headers Node would refuse");
    const bodyLimits = [...nginx.matchAll(/client_max_body_size (\d+)([km]);/g)].map(
      ([, n = "0", unit]) => Number(n) * (unit === "m" ? 1024 * 1024 : 1024),
    );
    assert.deepEqual(bodyLimits, [config.BODY_LIMIT, config.AUTH_BODY_LIMIT]);
    assert.equal(Number(/client_header_timeout (\d+)s;/.exec(nginx)?.[1]) * 1000, config.HEADERS_TIMEOUT_MS);
    assert.ok(Number(/client_body_timeout (\d+)s;/.exec(nginx)?.[1]) * 1000 <= config.REQUEST_TIMEOUT_MS);
    const servers = [...nginx.matchAll(/^\s+server rampart-\d+:\d+([^;]*);/gm)].map((m) => m[1]?.trim());
    assert.deepEqual(servers, ["max_fails=0", "max_fails=0"], "no client can take an instance out of rotation");
    assert.match(nginx, /proxy_set_header X-Forwarded-Host \$host;/);
  });
});
