import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { sourceFiles } from "../helpers/source-scan.ts";

// The house rule behind the architecture: a module owns the tables its tables.ts declares,
// and others reach that data only through its index.ts. Every module shares one Kysely
// database type, so the compiler cannot enforce it; this reads the sources instead.
const ROOT = new URL("../../", import.meta.url).pathname;
const MODULES = join(ROOT, "src/modules");

const modules = readdirSync(MODULES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

/** Table names declared in the module's `export interface …Tables { name: …Table; }`. */
function ownedTables(module: string): string[] {
  const path = join(MODULES, module, "tables.ts");
  const source = readdirSync(join(MODULES, module)).includes("tables.ts") ? readFileSync(path, "utf8") : "";
  const block = /export interface \w+Tables \{([^}]*)\}/.exec(source)?.[1] ?? "";
  return [...block.matchAll(/^\s*(\w+):/gm)].map((match) => match[1] ?? "");
}

const QUERY = /\b(?:selectFrom|insertInto|updateTable|deleteFrom|innerJoin|leftJoin|rightJoin|fullJoin)\(\s*"(\w+)/g;
/** Every relative specifier of a source file (static, re-export and dynamic imports), resolved from the repository root. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)"(\.{1,2}\/[^"]+)"/g;

function importsOf(file: string): { target: string; typeOnly: boolean }[] {
  const source = readFileSync(file, "utf8");
  return [...source.matchAll(SPECIFIER)].map((match) => ({
    target: relative(ROOT, resolve(dirname(file), match[1] ?? "")),
    typeOnly: /^(?:import|export)\s+type\b/.test(source.slice(source.lastIndexOf("\n", match.index) + 1)),
  }));
}

/** The one upward edge allowed: the database schema type is the union of the modules' table types. */
const SCHEMA_TYPE = "src/platform/db/schema.ts";

describe("module boundaries", () => {
  const owner = new Map(modules.flatMap((module) => ownedTables(module).map((table) => [table, module] as const)));

  it("each module queries only the tables it declares", () => {
    assert.ok(owner.size >= 10, `found the modules' tables: ${[...owner.keys()].join(", ")}`);
    let queries = 0;
    const violations: string[] = [];
    for (const module of modules) {
      for (const file of sourceFiles(join(MODULES, module))) {
        const source = readFileSync(file, "utf8");
        const where = relative(ROOT, file);
        for (const [, table = ""] of source.matchAll(QUERY)) {
          queries += 1;
          if (owner.get(table) !== module) violations.push(`${where} queries ${table} (owned by ${owner.get(table)})`);
        }
      }
    }
    assert.ok(queries >= 40, `read the modules' queries (${queries})`);
    assert.deepEqual(violations, []);
  });

  it("a module imports another module only through its index.ts", () => {
    const violations: string[] = [];
    let crossings = 0;
    for (const file of sourceFiles(MODULES)) {
      const from = relative(ROOT, file);
      const own = /^src\/modules\/([\w-]+)\//.exec(from)?.[1];
      for (const { target } of importsOf(file)) {
        const other = /^src\/modules\/([\w-]+)\//.exec(target)?.[1];
        if (other === undefined || other === own) continue;
        crossings += 1;
        if (target !== `src/modules/${other}/index.ts`) violations.push(`${from} imports ${target}`);
      }
    }
    assert.ok(crossings >= 10, `read the modules' imports of each other (${crossings})`);
    assert.deepEqual(violations, []);
  });

  it("platform imports no module and not app.ts, except the schema type; config imports neither", () => {
    const violations: string[] = [];
    let imports = 0;
    for (const layer of ["src/platform", "src/config"]) {
      for (const file of sourceFiles(join(ROOT, layer))) {
        const from = relative(ROOT, file);
        for (const { target, typeOnly } of importsOf(file)) {
          imports += 1;
          const upward =
            target.startsWith("src/modules/") ||
            target === "src/app.ts" ||
            target === "src/server.ts" ||
            target === "src/main.ts" ||
            target.startsWith("src/cli/") ||
            (layer === "src/config" && target.startsWith("src/platform/"));
          const allowed = from === SCHEMA_TYPE && typeOnly && /^src\/modules\/[\w-]+\/tables\.ts$/.test(target);
          if (upward && !allowed) violations.push(`${from} imports ${target}`);
        }
      }
    }
    assert.ok(imports >= 300, `read platform's and config's imports (${imports})`);
    assert.deepEqual(violations, []);
  });
});

// Kysely's ESM build costs a start about twice the CPU of its CommonJS build (issue #21):
// src/ takes Kysely's values from platform/db/kysely.ts only (types may come from "kysely").
it("src/ imports Kysely's runtime values only through platform/db/kysely.ts", () => {
  const violations = sourceFiles(join(ROOT, "src"))
    .filter((file) => relative(ROOT, file) !== "src/platform/db/kysely.ts")
    .filter((file) => /^import (?!type\b)[^;]*from "kysely";/m.test(readFileSync(file, "utf8")))
    .map((file) => relative(ROOT, file));
  assert.deepEqual(violations, []);
});
