import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = new URL("../../", import.meta.url).pathname;

/** Runs `scripts/claims.ts` on a ledger in a temporary tree with one test file. */
async function claims(dir: string, ledger: string): Promise<{ code: number; stdout: string; stderr: string }> {
  writeFileSync(join(dir, "claims.md"), ledger);
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["scripts/claims.ts", "--ledger", join(dir, "claims.md"), "--root", dir],
      { cwd: ROOT },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const TEST_FILE = [
  'describe("widgets", () => {',
  '  it("answers 200 with the widget", async () => {});',
  "  it(",
  '    "spans lines \\"quoted\\" and off|on",',
  "    async () => {},",
  "  );",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the test file's own template title
  "  it(`${engine}: keeps rows`, async () => {});",
  "});",
].join("\n");

const HEADER = "| id | claim | seeds | verdict | proof / why |\n|---|---|---|---|---|";

describe("npm run claims", () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-claims-"));
  mkdirSync(join(dir, "test/widgets"), { recursive: true });
  writeFileSync(join(dir, "test/widgets/widgets.test.ts"), TEST_FILE);
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("passes a ledger whose proofs all resolve and prints the counts per verdict", async () => {
    const ledger = [
      "**Totals:** proven 4 · rejected 1 · not applicable 1 · open 1",
      "",
      HEADER,
      '| W1 | widgets answer | 000 | `proven` | `test/widgets/widgets.test.ts › "answers 200 with the widget"` |',
      '| W2 | multi-line title | 001 | proven | `test/widgets/widgets.test.ts › "spans lines \\"quoted\\" and off\\|on"` |',
      '| W3 | template title | 001 | proven | `test/widgets/widgets.test.ts › "sqlite: keeps rows"` |',
      '| W4 | fast | 002 | proven | `bench › "GET /health"` 15817 req/s |',
      '| W5 | old header | 003 | rejected | obsolete; we send 0: `test/widgets/widgets.test.ts › "widgets"` |',
      "| W6 | bookings | 004 | not applicable | a restaurant's endpoint |",
      "| W7 | later | 004 | open | no test yet |",
    ].join("\n");
    const result = await claims(dir, ledger);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /7 rows — proven 4, rejected 1, not applicable 1, open 1/);
  });

  it("fails naming each missing file, title and bench scenario, a proofless proven row and stale totals", async () => {
    const ledger = [
      "**Totals:** proven 3 · rejected 0 · not applicable 0 · open 0",
      "",
      HEADER,
      '| B1 | gone file | 000 | proven | `test/widgets/gone.test.ts › "answers 200 with the widget"` |',
      '| B2 | renamed test | 000 | proven | `test/widgets/widgets.test.ts › "answers 201 with the widget"` |',
      '| B3 | no such scenario | 000 | proven | `bench › "GET /nowhere"` |',
      "| B4 | says so | 000 | proven | trust me |",
      "| B4 | twice | 000 | maybe | |",
    ].join("\n");
    const result = await claims(dir, ledger);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\(B1\): no test file test\/widgets\/gone\.test\.ts/);
    assert.match(result.stderr, /\(B2\): test\/widgets\/widgets\.test\.ts has no test or describe titled "answers 201/);
    assert.match(result.stderr, /\(B3\): bench has no scenario "GET \/nowhere"/);
    assert.match(result.stderr, /\(B4\): proven without a test or bench proof/);
    assert.match(result.stderr, /\(B4\): duplicate id/);
    assert.match(result.stderr, /\(B4\): unknown verdict "maybe"/);
    assert.match(result.stderr, /says proven 3, the rows have 4/);
  });
});
