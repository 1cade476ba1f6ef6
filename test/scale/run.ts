/**
 * `npm run test:scale`: the scale-out topology on real processes — nginx (Debian's package)
 * load-balancing two Rampart instances in the production profile, one of them a cluster of
 * two workers, on PostgreSQL (own schema) and Redis (own key prefix). It proves: rate limits
 * and the kill switch are shared across instances; under a steady bounded load, a rolling restart (SIGTERM,
 * start again) fails no request; every acknowledged write is in the database; a SIGKILL
 * costs at most the requests in flight. Prints the figures docs/scaling.md quotes.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import pg from "pg";
import { createPostgresSchema } from "../helpers/database.ts";
import { postgres, redis } from "../helpers/services.ts";
import { startSmtpServer } from "../helpers/smtp.ts";
import { waitFor } from "../helpers/wait.ts";
import { freePort, instance, migrate, rampartCli } from "./instances.ts";
import { failed, type Outcome, send, startLoad } from "./load.ts";
import { ensureNginx, startNginx } from "./nginx.ts";

const log = (line: string) => process.stdout.write(`[scale] ${line}\n`);
const started = Date.now();

process.env.REQUIRE_SERVICES = "1";
const pgService = await postgres();
const redisService = await redis();
const nginxBinary = ensureNginx(log);

const runId = randomBytes(4).toString("hex");
const dir = await mkdtemp(join(tmpdir(), "rampart-scale-"));
const schema = await createPostgresSchema();
const prefix = `rampart:scale-${runId}`;
const keyFile = join(dir, "jwt-private-key.pem");
await writeFile(
  keyFile,
  generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }),
  { mode: 0o600 },
);

// Production readiness needs mail that reaches users (health/mail-settings-readiness.ts):
// without it every instance would be "not ready" from the start, and the drain's readiness
// step below could not fail.
const smtp = await startSmtpServer();

const env: Record<string, string> = {
  APP_ENV: "production",
  SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
  PUBLIC_APP_URL: "https://rampart.example.test",
  // Production refuses to start without the passkeys' relying party (config/settings/webauthn.ts).
  WEBAUTHN_RP_ID: "rampart.example.test",
  WEBAUTHN_ORIGINS: "https://rampart.example.test",
  DATABASE_URL: schema.url,
  REDIS_URL: String(redisService.url),
  RATE_LIMIT_KEY_PREFIX: `${prefix}:rl`,
  CACHE_KEY_PREFIX: `${prefix}:cache`,
  PLATFORM_STATE_CHANNEL: `${prefix}:platform-state`,
  JWT_ALG: "ES256",
  JWT_PRIVATE_KEY_FILE: keyFile,
  // Production refuses to start without one; a fresh random key per run.
  ENCRYPTION_KEY: randomBytes(36).toString("base64url"),
  INSTANCE_COUNT: "2",
  // nginx connects from 127.0.0.1; X-Forwarded-For names the client (the load binds 127.x.y.z addresses).
  TRUST_PROXY: "127.0.0.1",
  DB_POOL_MAX: "5",
  // As in compose.yaml: time for the orchestrator (here the test) to take a stopping instance out of nginx.
  SHUTDOWN_DRAIN_DELAY_MS: "2000",
  SHUTDOWN_TIMEOUT_MS: "10000",
  // The probe below spends the auth budget of one address; the load registers from fresh addresses.
  RATE_LIMIT_AUTH: "min=10,hour=100,burst=10",
  LOG_LEVEL: "info",
};

const [portA, portB, portLb] = [await freePort(), await freePort(), await freePort()];
const a = instance("A (WORKERS=2)", portA, { ...env, WORKERS: "2", DATA_DIR: join(dir, "a") }, join(dir, "a.log"));
const b = instance("B", portB, { ...env, WORKERS: "1", DATA_DIR: join(dir, "b") }, join(dir, "b.log"));
let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
const redisClient = new Redis(String(redisService.url), { lazyConnect: true });

function summary(outcomes: readonly Outcome[]) {
  const byStatus: Record<string, number> = {};
  for (const o of outcomes)
    byStatus[o.status === 0 ? `error: ${o.error}` : String(o.status)] =
      (byStatus[o.status === 0 ? `error: ${o.error}` : String(o.status)] ?? 0) + 1;
  const latencies = outcomes.map((o) => o.endedAt - o.startedAt).sort((x, y) => x - y);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { requests: outcomes.length, byStatus, p50Ms: pct(50), p99Ms: pct(99), maxMs: latencies.at(-1) ?? 0 };
}

let exitCode = 0;
try {
  assert.ok(pgService.url && redisService.url);
  log(`work dir ${dir}; PostgreSQL schema ${schema.schema}; Redis prefix ${prefix}`);
  migrate({ ...env, DATA_DIR: join(dir, "a") });
  await Promise.all([a.start(), b.start()]);
  nginx = await startNginx(nginxBinary, { dir: join(dir, "nginx"), port: portLb, upstreams: [portA, portB] });
  log(`nginx ${nginx.url} → A :${portA}, B :${portB}`);

  // 1. Rate limits are one budget through both instances: 10 auth requests per minute per client.
  const probe: { status: number; upstream?: string }[] = [];
  for (let i = 0; i < 16; i++) {
    probe.push(
      await send(nginx.url, "POST", "/api/v1/auth/login", {
        // A new account each time, so only the per-address auth tier counts (not RATE_LIMIT_AUTH_ACCOUNT).
        body: { email: `nobody-${i}@example.test`, password: "wrong password" },
        clientIp: "127.0.2.77",
      }),
    );
  }
  const allowed = probe.filter((p) => p.status !== 429);
  const upstreamsServing = new Set(probe.map((p) => p.upstream));
  log(
    `rate-limit probe: ${allowed.length} of 16 answered before 429, served by ${[...upstreamsServing].join(" and ")}`,
  );
  assert.equal(allowed.length, 10, "one budget of 10 across both instances, not 10 per instance");
  assert.ok(upstreamsServing.size >= 2, "the probe went through both instances");
  assert.ok(probe.slice(10).every((p) => p.status === 429));

  // 2. The kill switch is one state for all instances: set through the CLI (database + Redis
  // announcement), every instance answers 503 within the propagation bound, then serves again.
  let probes = 0;
  const killSwitchProbe = async (want: (a: { status: number; body: string }) => boolean) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => {
          const n = ++probes;
          return send(nginx?.url ?? "", "POST", "/api/v1/auth/login", {
            body: { email: `switch-${n}@example.test`, password: "wrong password" },
            clientIp: `127.51.${n >> 8}.${n & 255}`,
          });
        }),
      );
      const upstreams = new Set(answers.map((x) => x.upstream));
      if (answers.every(want) && upstreams.size >= 2) return { answers, upstreams };
      if (Date.now() > deadline)
        assert.fail(`instances disagree: ${JSON.stringify(answers.map((x) => [x.upstream, x.status]))}`);
      await sleep(100);
    }
  };
  const switchedAt = Date.now();
  rampartCli(["kill-switch", "enable", "--reason", "scale test maintenance", "--retry-after", "5"], env);
  const on = await killSwitchProbe((x) => x.status === 503 && x.body.includes('"code":"service.kill_switch"'));
  const onMs = Date.now() - switchedAt;
  assert.ok(on.answers.every((x) => x.body.includes("scale test maintenance")));
  const health = await send(nginx.url, "GET", "/health");
  assert.equal(health.status, 200, "probes stay up under the kill switch");
  const liftedAt = Date.now();
  rampartCli(["kill-switch", "disable", "--reason", "scale test done"], env);
  await killSwitchProbe((x) => x.status === 401);
  const offMs = Date.now() - liftedAt;
  log(
    `kill switch: on at every instance ${onMs} ms after the CLI started, off again after ${offMs} ms (${[...on.upstreams].join(" and ")})`,
  );

  // 3. Steady load; rolling restart of A.
  const load = startLoad(nginx.url, { readers: 2, writers: 2, pauseMs: 15, runId });
  await sleep(4000);
  load.phase = "rolling restart";
  // The test plays the orchestrator, as Kubernetes does with an endpoint: on SIGTERM, A's
  // readiness turns 503 while it still serves for SHUTDOWN_DRAIN_DELAY_MS; seeing that, the
  // orchestrator takes A out of the balancer (nginx.setDown) before A closes its listener. Without that step
  // a POST nginx sends on a fresh connection in the last milliseconds before the listener
  // closes is reset, and nginx (rightly) does not resend a POST: a 502 in 2 of 5 runs.
  const drainStarted = Date.now();
  const stopped = a.stop("SIGTERM");
  await waitFor(
    async () => (await send(`http://127.0.0.1:${portA}`, "GET", "/health/ready")).status === 503,
    5000,
    "A's readiness to answer 503",
  );
  await nginx.setDown([portA]);
  const outOfRotationMs = Date.now() - drainStarted;
  const code = await stopped;
  const drainedMs = Date.now() - drainStarted;
  log(`A out of nginx's rotation ${outOfRotationMs} ms after SIGTERM; stopped with ${code} after ${drainedMs} ms`);
  assert.equal(code, 0, "A drained and exited 0");
  assert.ok(outOfRotationMs < Number(env.SHUTDOWN_DRAIN_DELAY_MS), "A left the rotation within its drain delay");
  const restartStarted = Date.now();
  await a.start();
  await nginx.setDown([]);
  const restartMs = Date.now() - restartStarted;
  log(`A listening and back in rotation after ${restartMs} ms`);
  await sleep(4000);

  // 4. SIGKILL B: at most the requests it had in flight fail (non-idempotent ones; nginx retries GETs).
  load.phase = "steady";
  await sleep(2000);
  load.phase = "kill";
  const inFlightAtKill = load.inFlight();
  const killedAt = Date.now();
  assert.equal(await b.stop("SIGKILL"), "SIGKILL");
  // Until nginx's event loop sees the kernel close B's sockets, it may still hand a write to a
  // pooled connection to B: that write is lost with B too (nginx must not resend a POST).
  const killWindowEnd = Date.now() + 250;
  await sleep(4000);
  load.phase = "after kill";
  await sleep(2000);
  await load.stop();

  const outcomes = load.outcomes;
  const phases = ["warm-up", "rolling restart", "steady", "kill", "after kill"];
  const figures = Object.fromEntries(phases.map((p) => [p, summary(outcomes.filter((o) => o.phase === p))]));
  for (const [phase, s] of Object.entries(figures)) log(`${phase}: ${JSON.stringify(s)}`);

  const unexpected = (o: Outcome) => o.status !== (o.method === "POST" ? 201 : 200);
  // Whatever phase a request started in, only one in flight while B died may fail.
  const atKill = (o: Outcome) => o.startedAt <= killWindowEnd && o.endedAt >= killedAt;
  const dispatchedWhileDying = outcomes.filter(
    (o) => o.method === "POST" && o.startedAt > killedAt && o.startedAt <= killWindowEnd,
  ).length;
  const outsideKill = outcomes.filter((o) => unexpected(o) && !atKill(o));
  assert.deepEqual(outsideKill, [], "no failed request outside the SIGKILL: the rolling restart lost nothing");
  const killFailures = outcomes.filter((o) => unexpected(o) && atKill(o));
  log(
    `SIGKILL: ${killFailures.length} failed request(s); ${inFlightAtKill} were in flight at the kill, ${dispatchedWhileDying} write(s) sent while it died`,
  );
  assert.ok(
    killFailures.length <= inFlightAtKill + dispatchedWhileDying,
    "a SIGKILL costs at most the requests in flight while the instance dies",
  );
  assert.ok(
    killFailures.every((o) => o.method === "POST" && failed(o)),
    "only writes in flight at the kill may fail; nginx retries reads on the other instance",
  );

  // 5. Every acknowledged write is in the database.
  const acknowledged = outcomes.filter((o) => o.method === "POST" && o.status === 201).map((o) => String(o.email));
  const db = new pg.Client({ connectionString: schema.url });
  await db.connect();
  const { rows } = await db.query<{ email: string }>("select email from users where email = any($1)", [acknowledged]);
  await db.end();
  const stored = new Set(rows.map((r) => r.email));
  const missing = acknowledged.filter((e) => !stored.has(e));
  log(`writes: ${acknowledged.length} acknowledged with 201, ${missing.length} missing from PostgreSQL`);
  assert.deepEqual(missing, [], "every write acknowledged with 2xx is in the database");
  assert.ok(acknowledged.length > 20, "the load wrote enough to mean something");

  // nginx lists every upstream it tried: "a, b" is a request it retried on the other instance.
  const accessLog = await readFile(join(dir, "nginx", "access.log"), "utf8");
  const retried = accessLog.split("\n").filter((l) => /upstream=\S+, /.test(l)).length;
  log(`nginx retried ${retried} request(s) on the other instance`);
  // Which code served: the production bundle when npm ci (or build:server) made one from this tree.
  const builds = new Set<string>();
  for (const file of ["a.log", "b.log"])
    for (const [, build = ""] of (await readFile(join(dir, file), "utf8")).matchAll(/"build":"(\w+)"/g))
      builds.add(build);
  log(`instances ran their ${[...builds].join(" and ")}`);

  const total = summary(outcomes);
  const seconds = (outcomes.at(-1)?.endedAt ?? 0) / 1000 - (outcomes[0]?.startedAt ?? 0) / 1000;
  log(
    `RESULT ${new Date().toISOString().slice(0, 10)}: ${total.requests} requests in ${seconds.toFixed(1)} s (${(total.requests / seconds).toFixed(0)} req/s), ` +
      `${acknowledged.length} writes, p50 ${total.p50Ms} ms, p99 ${total.p99Ms} ms; drain ${drainedMs} ms, restart ${restartMs} ms; ` +
      `SIGKILL cost ${killFailures.length} request(s) of ${inFlightAtKill} in flight at the kill + ${dispatchedWhileDying} write(s) sent while it died; ${retried} retried by nginx; kill switch on everywhere in ${onMs} ms`,
  );
  log(`passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} catch (error) {
  exitCode = 1;
  process.stderr.write(`[scale] FAILED: ${(error as Error).stack ?? error}\n[scale] logs kept in ${dir}\n`);
} finally {
  await nginx?.stop().catch(() => {});
  await smtp.close().catch(() => {});
  for (const i of [a, b]) await i.stop("SIGTERM").catch(() => {});
  await schema.dropSchema().catch(() => {});
  await redisClient.connect().catch(() => {});
  for (const pattern of [`${prefix}:*`]) {
    let cursor = "0";
    do {
      const [next, keys] = await redisClient.scan(cursor, "MATCH", pattern, "COUNT", 500);
      if (keys.length > 0) await redisClient.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  }
  redisClient.disconnect();
  if (exitCode === 0) await rm(dir, { recursive: true, force: true });
}
process.exit(exitCode);
