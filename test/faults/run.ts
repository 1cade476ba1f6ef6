/**
 * `npm run test:faults`: Rampart as real processes on a PostgreSQL, a Redis and an SMTP
 * server of the suite's own, under a steady mixed load (acknowledged registrations,
 * authenticated reads, logins), while one fault at a time breaks a dependency: PostgreSQL
 * stopped fast or crashed and started again, every backend terminated, a statement stalled
 * past the statement timeout, Redis killed or paused, the SMTP server gone mid-burst. For
 * each fault and each topology (one process, WORKERS=2, two instances behind nginx) it
 * asserts: no process exits or crashes; every answer is a 2xx or a 503/429 problem (no 500,
 * no reset); the first acknowledged write after the repair comes within RECOVERY_BOUND_MS;
 * readiness is 503 while the database is down and 200 again after; and at the end every
 * acknowledged write is a row and every acknowledged registration's mail was delivered.
 * Prints one RESULT line. `FAULTS_TOPOLOGIES=single` (comma-separated) runs a subset.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { freePort, migrate } from "../scale/instances.ts";
import { FAULTS, type Services } from "./faults.ts";
import { acceptable, createAccount, startMixedLoad } from "./load.ts";
import { startFaultySmtp, startPrivatePostgres, startPrivateRedis } from "./services.ts";
import { casualties, logLines, startTopology, type TopologyName } from "./topology.ts";

const RECOVERY_BOUND_MS = 10_000;
const MAIL_BOUND_MS = 60_000;
const log = (line: string) => process.stdout.write(`[faults] ${line}\n`);
const started = Date.now();
const runId = randomBytes(3).toString("hex");
const dir = await mkdtemp(join(tmpdir(), "rampart-faults-"));
// The postgres user must reach its data directory inside (search permission only; the key file stays 0600).
await chmod(dir, 0o711);
const topologies = (process.env.FAULTS_TOPOLOGIES ?? "single,workers2,nginx").split(",") as TopologyName[];

const postgres = await startPrivatePostgres(join(dir, "pg"), await freePort());
const redis = await startPrivateRedis(await freePort());
const smtp = await startFaultySmtp(await freePort());
const services: Services = { postgres, redis, smtp };
const keyFile = join(dir, "jwt-private-key.pem");
await writeFile(
  keyFile,
  generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }),
  { mode: 0o600 },
);
const generous = "min=100000,hour=1000000,burst=100000";
const env: Record<string, string> = {
  APP_ENV: "production",
  DATABASE_URL: postgres.url,
  REDIS_URL: redis.url,
  SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
  MAIL_FROM: "Rampart <no-reply@example.test>",
  // Production readiness refuses mail links to localhost (health/mail-settings-readiness.ts).
  PUBLIC_APP_URL: "https://rampart.example.test",
  // Production refuses to start without the passkeys' relying party (config/settings/webauthn.ts).
  WEBAUTHN_RP_ID: "rampart.example.test",
  WEBAUTHN_ORIGINS: "https://rampart.example.test",
  MAIL_RETRY_DELAY_MS: "250",
  MAIL_RETRY_ATTEMPTS: "10",
  SMTP_TIMEOUT_MS: "2000",
  JWT_ALG: "ES256",
  JWT_PRIVATE_KEY_FILE: keyFile,
  // Production refuses to start without one; a fresh random key per run.
  ENCRYPTION_KEY: randomBytes(36).toString("base64url"),
  INSTANCE_COUNT: "2",
  TRUST_PROXY: "127.0.0.1",
  DB_POOL_MAX: "5",
  DB_POOL_TIMEOUT_MS: "2000",
  DB_STATEMENT_TIMEOUT_MS: "1000",
  // The load comes from thousands of client addresses and four accounts; the limits are not under test here.
  RATE_LIMIT_AUTH: generous,
  RATE_LIMIT_AUTH_ACCOUNT: generous,
  RATE_LIMIT_USER: generous,
  LOG_LEVEL: "info",
};

/** The registered addresses among `emails`, on a fresh connection (the faults kill older ones). */
async function storedEmails(emails: readonly string[]): Promise<Set<string>> {
  const client = new pg.Client({ connectionString: postgres.url });
  client.on("error", () => {});
  await client.connect();
  try {
    const result = await client.query<{ email: string }>("select email from users where email = any($1)", [emails]);
    return new Set(result.rows.map((r) => r.email));
  } finally {
    await client.end().catch(() => {});
  }
}

let current: Awaited<ReturnType<typeof startTopology>> | undefined;
const results: string[] = [];
let exitCode = 0;
try {
  migrate({ ...env, DATA_DIR: join(dir, "migrate") });
  for (const name of topologies) {
    const topology = await startTopology(name, env, dir, log);
    current = topology;
    const id = `${runId}-${name}`;
    const accounts = await Promise.all([0, 1, 2, 3].map((i) => createAccount(topology.url, id, i)));
    const load = startMixedLoad(topology.url, accounts, { runId: id });
    let maxRecoveryMs = 0;
    try {
      await sleep(1500);
      for (const fault of FAULTS) {
        const injectedAt = Date.now();
        await fault.inject(services, () => load.burst(12));
        await sleep(fault.holdMs);
        await fault.heal(services);
        const healedAt = Date.now();
        const firstWrite = () =>
          load.answers.find((a) => a.kind === "write" && a.status === 201 && a.startedAt >= healedAt);
        while (!firstWrite() && Date.now() - healedAt < RECOVERY_BOUND_MS) await sleep(20);
        const recovered = firstWrite();
        const recoveryMs = recovered ? recovered.endedAt - healedAt : Number.POSITIVE_INFINITY;
        await sleep(1000);
        const during = load.answers.filter((a) => a.startedAt >= injectedAt && a.startedAt <= healedAt);
        const count = (p: (s: number) => boolean) => during.filter((a) => p(a.status)).length;
        const bad = load.answers.filter((a) => a.startedAt >= injectedAt && !acceptable(a));
        const readiness = topology.instances.map((x) => {
          const samples = topology.readiness.get(x.port) ?? [];
          const down = samples.some(([at, s]) => at >= injectedAt && at <= healedAt && s === 503);
          const back = samples.find(([at, s]) => at >= healedAt && s === 200);
          return { down, backMs: back ? back[0] - healedAt : Number.POSITIVE_INFINITY };
        });
        const readyBackMs = Math.max(...readiness.map((r) => r.backMs));
        log(
          `${name} ${fault.name}: ${during.length} answers during (${count((s) => s >= 200 && s < 300)} 2xx, ${count((s) => s === 503)} 503, ${count((s) => s === 429)} 429, ${bad.length} bad); first acknowledged write ${recoveryMs} ms after repair; readiness ${readiness.map((r) => (r.down ? "503" : "200")).join("/")} during, 200 again after ${readyBackMs} ms`,
        );
        assert.deepEqual(
          bad.slice(0, 5).map((a) => `${a.kind} ${a.status} ${a.error ?? ""}`),
          [],
          `${name} ${fault.name}: only 2xx or 503/429 problems`,
        );
        assert.ok(recoveryMs <= RECOVERY_BOUND_MS, `${name} ${fault.name}: a write succeeded within the bound`);
        assert.ok(readyBackMs <= RECOVERY_BOUND_MS, `${name} ${fault.name}: readiness 200 again`);
        if (fault.databaseDown)
          assert.ok(
            readiness.every((r) => r.down),
            `${name} ${fault.name}: readiness 503 while down`,
          );
        assert.deepEqual(await casualties(topology), [], `${name} ${fault.name}: no instance lost`);
        maxRecoveryMs = Math.max(maxRecoveryMs, recoveryMs);
      }
    } finally {
      await load.stop();
    }
    // Every acknowledged write is a row; every acknowledged registration's mail arrives.
    const acknowledged = [...load.acknowledged, ...accounts.map((a) => a.email)];
    const storedSet = await storedEmails(acknowledged);
    const missing = acknowledged.filter((e) => !storedSet.has(e));
    const mailed = () => new Set(smtp.received().map((m) => m.headers.get("to") ?? ""));
    const undelivered = () => acknowledged.filter((e) => !mailed().has(e));
    const mailWait = Date.now();
    while (undelivered().length > 0 && Date.now() - mailWait < MAIL_BOUND_MS) await sleep(200);
    const incidents = await logLines(topology, "database connection lost; requests answer 503 until it is back");
    const total = load.answers.length;
    const bad = load.answers.filter((a) => !acceptable(a)).length;
    const line = `${name}: requests=${total} bad=${bad} acked_writes=${acknowledged.length} stored=${acknowledged.length - missing.length} mails=${acknowledged.length - undelivered().length}/${acknowledged.length} max_recovery_ms=${maxRecoveryMs} db_incident_warnings=${incidents.length}`;
    log(line);
    results.push(line);
    assert.deepEqual(missing, [], `${name}: every acknowledged write is stored`);
    assert.deepEqual(undelivered().slice(0, 5), [], `${name}: no acknowledged mail lost`);
    assert.equal(bad, 0, `${name}: no bad answers`);
    current = undefined;
    await topology.stop();
  }
  process.stdout.write(
    `RESULT test:faults ok — ${results.join(" | ")} — ${Math.round((Date.now() - started) / 1000)} s\n`,
  );
} catch (error) {
  exitCode = 1;
  process.stdout.write(`RESULT test:faults FAILED — ${(error as Error).message} — logs in ${dir}\n`);
  console.error(error);
} finally {
  await current?.stop().catch(() => {});
  await redis.destroy();
  await smtp.kill();
  postgres.destroy();
  if (exitCode === 0) await rm(dir, { recursive: true, force: true }).catch(() => {});
}
process.exit(exitCode);
