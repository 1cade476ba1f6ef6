import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import { settings } from "../../src/config/settings/index.ts";
import { compose, composeRampartEnv } from "../helpers/compose.ts";

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
const OPERATOR = { SMTP_URL: "smtps://rampart:change-me@smtp.example.com:465" };

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
    const nginxIdleMs = Number(/keepalive_timeout (\d+)s;/.exec(nginx)?.[1]) * 1000;
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
});
