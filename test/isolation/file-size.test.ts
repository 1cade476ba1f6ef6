import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { it } from "node:test";
import { sourceFiles } from "../helpers/source-scan.ts";

// Small files with one purpose: a file past this bound holds several concerns (identity's
// service.ts reached 872 lines before it was split by use case). Console and tests are not src/.
const ROOT = new URL("../../", import.meta.url).pathname;
const MAX_LINES = 350;

it(`no file in src/ is over ${MAX_LINES} lines`, () => {
  const files = sourceFiles(join(ROOT, "src"));
  assert.ok(files.length >= 200, `read the sources (${files.length})`);
  const over = files
    .map((file) => ({ file: relative(ROOT, file), lines: readFileSync(file, "utf8").split("\n").length }))
    .filter(({ lines }) => lines > MAX_LINES)
    .map(({ file, lines }) => `${file}: ${lines} lines`);
  assert.deepEqual(over, []);
});
