import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";

// Kysely sends every value as a bind parameter; the ways to put text into SQL itself are
// its escape hatches (sql.raw, sql.lit, sql.id, sql.ref, sql.table, sql.join) and the pg
// driver's query() with a string built by hand. This reads every source file for them, so a
// request value can reach the database only as a parameter.
const ROOT = new URL("../../", import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

const HATCHES: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: "Kysely's unparameterised SQL", pattern: /\bsql\s*\.\s*(?:raw|lit|id|table|join)\s*[(<]/ },
  // A reference to a column named by a string literal in the code is an identifier, not a value.
  { what: "Kysely's unparameterised SQL", pattern: /\bsql\s*\.\s*ref\s*[(<](?!\s*"[\w.]+"\s*\))/ },
  { what: "a pg query() with a built string", pattern: /\.query\s*\(\s*(?:`[^`]*\$\{|[^,)]*\+)/ },
  { what: "a sql`…` tag with a string built before it", pattern: /\bsql\s*`[^`]*\$\{\s*[^}]*\+\s*["'`]/ },
];

/**
 * Escape hatches read and accepted, each with why no value can reach it. Keep this short:
 * every entry is a place a future change must not turn into a value.
 */
const REVIEWED: readonly string[] = [
  // keysetPage's `sql.ref(key)`: `key` is typed StringReference<DB, TB> — a column of the
  // query's own tables named in the calling repository's code, never a request value.
  "src/platform/db/keyset.ts:18: Kysely's unparameterised SQL:",
];

/** Each place in `source` that writes text into SQL instead of binding it. */
function unboundSql(source: string): string[] {
  return source
    .split("\n")
    .flatMap((line, index) =>
      HATCHES.filter(({ pattern }) => pattern.test(line)).map(({ what }) => `${index + 1}: ${what}: ${line.trim()}`),
    );
}

describe("SQL built from values", () => {
  it("recognises each way of writing a value into SQL text", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: SQL source text as a sample
    assert.equal(unboundSql("const q = sql`select * from users where id = ${id}`;").length, 0, "a tag binds");
    assert.equal(unboundSql("db.selectFrom('users').where('name', '=', name)").length, 0, "the builder binds");
    assert.equal(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: SQL source text as a sample
      unboundSql('sql`${sql.ref("d.seq")} > ${seq}`').length,
      0,
      "a column named in the code is an identifier",
    );
    for (const hatch of [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: SQL source text as a sample
      "sql`select ${sql.raw(name)}`",
      "sql.lit(name)",
      "sql.ref(column)",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: SQL source text as a sample
      "sql.ref(`d.${column}`)",
      "sql.id<string>(table)",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: SQL source text as a sample
      "client.query(`select * from users where name = '${name}'`)",
      'pool.query("select * from users where name = \'" + name + "\'")',
      "pool.query(text + name)",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: SQL source text as a sample
      "sql`select ${'x' + name + 'y'}`",
    ]) {
      assert.equal(unboundSql(hatch).length, 1, hatch);
    }
  });

  it("no source file writes a value into SQL text: every value is a bind parameter", () => {
    const files = sources(join(ROOT, "src"));
    assert.ok(files.length > 100, `read ${files.length} source files`);
    const found = files
      .flatMap((file) => unboundSql(readFileSync(file, "utf8")).map((where) => `${relative(ROOT, file)}:${where}`))
      .filter((where) => !REVIEWED.some((allowed) => where.startsWith(allowed)));
    assert.deepEqual(found, []);
  });
});
