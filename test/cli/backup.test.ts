import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Runs the CLI without blocking this process (the writers and the server keep going meanwhile). */
async function rampart(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ["bin/rampart.js", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, APP_ENV: "test", LOG_FORMAT: "json", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const started = performance.now();
  const [status] = (await once(child, "close")) as [number];
  return { status, stdout, stderr, ms: performance.now() - started };
}

/**
 * Another process writing steadily, autocommitted inserts of 20 rows a few milliseconds
 * apart (thousands a second: more than `.backup` survives, less than would starve a
 * shared CI machine).
 */
function startWriter(path: string, writer: number): ChildProcess {
  const code = `
    const { DatabaseSync } = require("node:sqlite");
    const db = new DatabaseSync(${JSON.stringify(path)}, { timeout: 10000 });
    db.exec("PRAGMA journal_mode = WAL"); db.exec("PRAGMA synchronous = NORMAL");
    const insert = db.prepare("insert into load_writes (writer, at) values (?, ?)");
    const tick = () => { for (let i = 0; i < 20; i++) insert.run(${writer}, Date.now()); setTimeout(tick, 2); };
    tick();`;
  return spawn(process.execPath, ["-e", code], { stdio: ["ignore", "ignore", "inherit"] });
}

function count(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return Number((db.prepare("select count(*) as n from load_writes").get() as { n: number }).n);
  } finally {
    db.close();
  }
}

describe("rampart backup and restore on SQLite, under write load", () => {
  let dir: string;
  let dbPath: string;
  let env: Record<string, string>;
  let server: ServerProcess | undefined;
  let writers: ChildProcess[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "rampart-backup-"));
    dbPath = join(dir, "rampart.db");
    env = { DATA_DIR: dir };
    // A generous start timeout: on a shared CI machine under load a start can take 20 s.
    server = await startServerProcess(env, 60_000);
    const db = new DatabaseSync(dbPath, { timeout: 10000 });
    db.exec("create table load_writes (id integer primary key, writer integer not null, at integer not null)");
    db.close();
    writers = [1, 2, 3, 4].map((w) => startWriter(dbPath, w));
  });
  after(async () => {
    for (const w of writers) w.kill("SIGKILL");
    if (server && server.child.exitCode === null) server.child.kill("SIGKILL");
    await server?.exited();
    rmSync(dir, { recursive: true, force: true });
  });

  it("backs up a consistent copy while four writers and the server keep writing", async () => {
    while (count(dbPath) < 2000) await new Promise((r) => setTimeout(r, 50));
    const backup = join(dir, "backup-1.db");
    const result = await rampart(["backup", backup], env);
    const afterBackup = count(dbPath);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^backed up .* to .*backup-1\.db: \d+ bytes in \d+ ms, integrity ok$/m);
    // The copy's own time, as the command measures it (the CLI's start-up is not the backup).
    const copyMs = Number(/bytes in (\d+) ms/.exec(result.stdout)?.[1]);
    assert.ok(copyMs < 10_000, `the backup finished under load (${copyMs} ms)`);
    console.log(
      `rampart backup under load: ${Math.round(result.ms)} ms for the whole CLI run; ${result.stdout.trim()}`,
    );
    const copied = count(backup);
    assert.ok(copied >= 2000 && copied <= afterBackup, `a snapshot: ${copied} of ${afterBackup} rows`);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(count(dbPath) > afterBackup, "the writers were still writing");

    const again = await rampart(["backup", backup], env);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already exists; back up to a new file/);
  });

  it("refuses to restore while the server has the database open", async () => {
    const result = await rampart(["restore", join(dir, "backup-1.db")], env);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /is in use: stop every rampart process using it, then restore/);
    assert.ok(count(dbPath) > 0, "the live database is untouched");
  });

  it("refuses a file that is not a Rampart database", async () => {
    const bogus = join(dir, "bogus.db");
    writeFileSync(bogus, "not a database at all, just text that is long enough to look like a header");
    const result = await rampart(["restore", bogus], env);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /bogus\.db (cannot be opened|is not a usable SQLite database)/);
  });

  it("restores over a crashed server's database and its -wal/-shm, then checks migrations and the audit trail", async () => {
    for (const w of writers) w.kill("SIGKILL");
    server?.child.kill("SIGKILL");
    await server?.exited();
    await Promise.all(writers.map((w) => (w.exitCode === null && w.signalCode === null ? once(w, "exit") : null)));
    assert.ok(existsSync(`${dbPath}-wal`), "a crash leaves the write-ahead log behind");
    const backup = join(dir, "backup-1.db");
    const inBackup = count(backup);

    const result = await rampart(["restore", backup], env);
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /^restored .*backup-1\.db to .*rampart\.db$/m);
    assert.match(result.stdout, /^the previous database is kept as .*rampart\.db\.before-restore-/m);
    assert.match(result.stdout, /^migrations: up to date$/m);
    assert.match(result.stdout, /^ok: \d+ of \d+ streams intact, \d+ events verified$/m);
    assert.ok(!existsSync(`${dbPath}-wal`) || count(dbPath) === inBackup, "no stale log is replayed");
    assert.equal(count(dbPath), inBackup, "the database is the backup");
    const aside = readdirSync(dir).find((f) => f.startsWith("rampart.db.before-restore-") && !f.endsWith("-wal"));
    assert.ok(aside, "the previous database is set aside");
    assert.ok(count(join(dir, aside)) > inBackup, "with the crashed writers' committed rows from its log");

    server = await startServerProcess(env, 60_000);
    const ready = await fetch(`${server.url}/health/ready`);
    assert.equal(ready.status, 200, await ready.text());
    const integrity = new DatabaseSync(dbPath, { readOnly: true });
    const checked = integrity.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[];
    assert.deepEqual(
      checked.map((r) => r.integrity_check),
      ["ok"],
    );
    integrity.close();
  });

  it("on PostgreSQL explains pg_dump and WAL archiving instead", async () => {
    const result = await rampart(["backup", join(dir, "pg.dump")], {
      DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /pg_dump -Fc/);
    assert.match(result.stderr, /WAL archiving/);
  });
});
