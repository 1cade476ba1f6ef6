import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = new URL("../../", import.meta.url).pathname;
/** A tree with one test file, test/widgets/widgets.test.ts: one passing test of each shape and one of each kind a ledger must not accept. */
const FIXTURE = join(ROOT, "test/fixtures/claims");
/** This file's environment without the test runner's marker, which would make a child runner skip its files. */
const { NODE_TEST_CONTEXT: _context, ...ENV } = process.env;

/** Runs `scripts/claims.ts` on a ledger against the fixture tree. */
async function claims(
  ledger: string,
  flags: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), "rampart-claims-"));
  try {
    writeFileSync(join(dir, "claims.md"), ledger);
    const { stdout, stderr } = await run(
      process.execPath,
      ["scripts/claims.ts", "--ledger", join(dir, "claims.md"), "--root", FIXTURE, ...flags],
      { cwd: ROOT, env: { ...ENV, RAMPART_CLAIMS_FIXTURE: "1", ...env } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const HEADER = "| id | claim | seeds | verdict | proof / why |\n|---|---|---|---|---|";
const FILE = "test/widgets/widgets.test.ts";
const TOTALS = (proven: number, others = "rejected 0 · not applicable 0 · open 0") =>
  `**Totals:** proven ${proven} · latent 0 · ${others} · unverified here 0`;

describe("npm run claims", () => {
  it("runs every cited test and passes a ledger whose proofs all ran and passed, printing the counts per verdict", async () => {
    const ledger = [
      "**Totals:** proven 4 · latent 1 · rejected 1 · not applicable 1 · open 1 · unverified here 1",
      "",
      HEADER,
      `| W1 | widgets answer | 000 | \`proven\` | \`${FILE} › "answers 200 with the widget"\` |`,
      `| W2 | multi-line title | 001 | proven | \`${FILE} › "spans lines \\"quoted\\" and off\\|on"\` |`,
      `| W3 | template title | 001 | proven | \`${FILE} › "sqlite: keeps rows"\`; \`${FILE} › "postgres: keeps rows"\`; \`test/widgets/cases.test.ts › "a case named by a variable"\`; \`test/widgets/late.test.ts › "registered after a top-level await"\` |`,
      '| W4 | fast | 002 | proven | `bench › "GET /health"` 15817 req/s |',
      `| W5 | old header | 003 | rejected | obsolete; we send 0: \`${FILE} › "answers 200 with the widget"\` |`,
      `| W6 | AI tier | 001 | latent | no route uses it: \`${FILE} › "sqlite: keeps rows"\` |`,
      "| W7 | bookings | 004 | not applicable | a restaurant's endpoint |",
      "| W8 | later | 004 | open | no test yet |",
      "| W9 | image builds | 003 | unverified here | no Docker here: `docker build .` |",
    ].join("\n");
    const result = await claims(ledger);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /9 rows — proven 4, latent 1, rejected 1, not applicable 1, open 1, unverified here 1/);
    assert.match(result.stdout, /ok {3}test\/widgets\/widgets\.test\.ts — 4 test\(s\)/);
    assert.match(result.stdout, /executed 6 cited test\(s\) in 3 file\(s\) for 9 row\(s\): 0 row\(s\) failed/);
  });

  it("fails a row whose cited test is skipped, todo, a describe, failing or never ran, naming why", async () => {
    const ledger = [
      TOTALS(6),
      "",
      HEADER,
      `| S1 | skipped | 000 | proven | \`${FILE} › "refuses a forged token"\` |`,
      `| S2 | todo | 000 | proven | \`${FILE} › "expires the refresh token after 30 days"\` |`,
      `| S3 | describe | 000 | proven | \`${FILE} › "renamed into a describe"\` |`,
      `| S4 | failing | 000 | proven | \`${FILE} › "answers 200 with the widget"\`; \`${FILE} › "counts to three"\` |`,
      `| S5 | filtered out | 000 | proven | \`${FILE} › "runs only on a big machine"\` |`,
      `| S6 | fine | 000 | proven | \`${FILE} › "answers 200 with the widget"\` |`,
    ].join("\n");
    const result = await claims(ledger);
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /\(S1, proven\): test\/widgets\/widgets\.test\.ts › "refuses a forged token" skipped/);
    assert.match(result.stderr, /\(S2, proven\): .* › "expires the refresh token after 30 days" todo/);
    assert.match(result.stderr, /\(S3, proven\): .* › "renamed into a describe" suite: it is a describe/);
    assert.match(result.stderr, /\(S4, proven\): .* › "counts to three" failed: Expected values to be strictly equal/);
    assert.match(result.stderr, /\(S5, proven\): .* › "runs only on a big machine" did not run/);
    assert.doesNotMatch(result.stderr, /S6/);
    assert.doesNotMatch(result.stderr, /S4, proven\): .* "answers 200/);
    assert.match(result.stdout, /FAIL test\/widgets\/widgets\.test\.ts/);
    assert.match(result.stdout, /5 row\(s\) failed/);
  });

  it("stops a file's process that reported every cited test but does not exit, keeping its verdicts", async () => {
    const lingering = "test/widgets/lingers.test.ts";
    const ledger = [
      TOTALS(1),
      "",
      HEADER,
      `| L1 | lingers | 000 | proven | \`${lingering} › "reports, then its process lingers"\` |`,
    ].join("\n");
    const result = await claims(ledger, [], { CLAIMS_EXIT_GRACE_MS: "2000" });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /ok {3}test\/widgets\/lingers\.test\.ts — 1 test\(s\), [\d.]+ s \(every verdict in, its process did not exit: stopped\)/,
    );
    assert.match(result.stdout, /0 row\(s\) failed/);
  });

  it("waits for every block that repeats a cited title before stopping a file's process", async () => {
    const repeated = "test/widgets/engines.test.ts";
    const ledger = [
      TOTALS(1),
      "",
      HEADER,
      `| E1 | every engine | 000 | proven | \`${repeated} › "answers the same on every engine"\` |`,
    ].join("\n");
    // The grace is shorter than the second block's test: only a test still running holds it off.
    const result = await claims(ledger, [], { CLAIMS_EXIT_GRACE_MS: "1000" });
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /\(E1, proven\): .* › "answers the same on every engine" failed/);
  });

  it("--static checks only that proofs exist: the failing test's row passes; --rows runs only the named rows", async () => {
    const ledger = [
      TOTALS(2),
      "",
      HEADER,
      `| F1 | failing | 000 | proven | \`${FILE} › "counts to three"\` |`,
      `| F2 | fine | 000 | proven | \`${FILE} › "answers 200 with the widget"\` |`,
    ].join("\n");
    const statically = await claims(ledger, ["--static"]);
    assert.equal(statically.code, 0, statically.stderr);
    assert.doesNotMatch(statically.stdout, /executed/);
    const one = await claims(ledger, ["--rows", "F2"]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /executed 1 cited test\(s\) in 1 file\(s\) for 1 row\(s\)/);
  });

  it("fails naming each missing file, title and bench scenario, a proofless row, a commandless unverified row and stale totals", async () => {
    const ledger = [
      TOTALS(3, "rejected 0 · not applicable 0 · open 0"),
      "",
      HEADER,
      `| B1 | gone file | 000 | proven | \`test/widgets/gone.test.ts › "answers 200 with the widget"\` |`,
      `| B2 | renamed test | 000 | proven | \`${FILE} › "answers 201 with the widget"\` |`,
      '| B3 | no such scenario | 000 | proven | `bench › "GET /nowhere"` |',
      "| B4 | says so | 000 | proven | trust me |",
      "| B4 | twice | 000 | maybe | |",
      "| B5 | tier | 000 | latent | nothing uses it |",
      "| B6 | image | 000 | unverified here | build it somewhere |",
    ].join("\n");
    const result = await claims(ledger);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\(B1\): no test file test\/widgets\/gone\.test\.ts/);
    assert.match(result.stderr, /\(B2\): test\/widgets\/widgets\.test\.ts has no test or describe titled "answers 201/);
    assert.match(result.stderr, /\(B3\): bench has no scenario "GET \/nowhere"/);
    assert.match(result.stderr, /\(B4\): proven without a test or bench proof/);
    assert.match(result.stderr, /\(B4\): duplicate id/);
    assert.match(result.stderr, /\(B4\): unknown verdict "maybe"/);
    assert.match(result.stderr, /\(B5\): latent without a test or bench proof/);
    assert.match(result.stderr, /\(B6\): unverified here without the command/);
    assert.match(result.stderr, /says proven 3, the rows have 4/);
    assert.match(result.stderr, /says latent 0, the rows have 1/);
    assert.doesNotMatch(result.stdout, /executed/, "nothing runs while the ledger itself is wrong");
  });
});

describe("the claims fixture", () => {
  it("defines no tests outside test/scripts/claims.test.ts, so npm test does not run its failing ones", async () => {
    const { stdout } = await run(
      process.execPath,
      ["--test", "--test-reporter=tap", join(FIXTURE, "test/widgets/widgets.test.ts")],
      { cwd: ROOT, env: { ...ENV, RAMPART_CLAIMS_FIXTURE: "" } },
    );
    // The file itself counts as one passing test; nothing of the fixture's runs.
    assert.match(stdout, /# suites 0\n# pass 1\n# fail 0\n# cancelled 0\n# skipped 0\n# todo 0/);
  });
});
