import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { sourceFiles } from "../helpers/source-scan.ts";

// docs/errors.md is the list of problem codes a client can receive. Every code a typed error
// declares (src/**/errors.ts) is in it, and every code it lists still exists in the sources.
const ROOT = new URL("../../", import.meta.url).pathname;

/** A problem code as a string literal: `area.what`, lower case. */
const CODE_LITERAL = /"([a-z][a-z_]*\.[a-z][a-z_]*)"/g;
/** The first cell of a row of one of the document's code tables. */
const DOCUMENTED = /^\| `([a-z][a-z_.]*)` \|/gm;

describe("docs/errors.md", () => {
  const sources = sourceFiles(join(ROOT, "src"));
  const doc = readFileSync(join(ROOT, "docs/errors.md"), "utf8");
  const documented = new Set([...doc.matchAll(DOCUMENTED)].map((match) => match[1] ?? ""));

  it("lists every code declared in the sources' errors.ts files", () => {
    const declared = new Map<string, string>();
    for (const file of sources.filter((path) => path.endsWith("/errors.ts"))) {
      for (const [, code = ""] of readFileSync(file, "utf8").matchAll(CODE_LITERAL)) {
        declared.set(code, relative(ROOT, file));
      }
    }
    assert.ok(declared.size >= 50, `read the declared codes (${declared.size})`);
    const missing = [...declared].filter(([code]) => !documented.has(code)).map(([code, file]) => `${code} (${file})`);
    assert.deepEqual(missing, []);
  });

  it("lists no code that the sources no longer contain", () => {
    const everywhere = new Set(
      sources.flatMap((file) => [...readFileSync(file, "utf8").matchAll(CODE_LITERAL)].map((m) => m[1])),
    );
    everywhere.add("internal");
    assert.ok(documented.size >= 60, `read the documented codes (${documented.size})`);
    assert.deepEqual(
      [...documented].filter((code) => !everywhere.has(code)),
      [],
    );
  });
});
