import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";

// The house rule behind the architecture: a module owns the tables its tables.ts declares,
// and others reach that data only through its index.ts. Every module shares one Kysely
// database type, so the compiler cannot enforce it; this reads the sources instead.
const ROOT = new URL("../../", import.meta.url).pathname;
const MODULES = join(ROOT, "src/modules");

function sourcesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourcesOf(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

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
const FOREIGN_INTERNALS = /from "\.\.\/([\w-]+)\/(repository|tables|service|routes)\.ts"/g;

describe("module boundaries", () => {
  const owner = new Map(modules.flatMap((module) => ownedTables(module).map((table) => [table, module] as const)));

  it("each module queries only the tables it declares, and imports no other module's internals", () => {
    assert.ok(owner.size >= 10, `found the modules' tables: ${[...owner.keys()].join(", ")}`);
    let queries = 0;
    const violations: string[] = [];
    for (const module of modules) {
      for (const file of sourcesOf(join(MODULES, module))) {
        const source = readFileSync(file, "utf8");
        const where = relative(ROOT, file);
        for (const [, table = ""] of source.matchAll(QUERY)) {
          queries += 1;
          if (owner.get(table) !== module) violations.push(`${where} queries ${table} (owned by ${owner.get(table)})`);
        }
        for (const [, other, part] of source.matchAll(FOREIGN_INTERNALS)) {
          if (other !== module) violations.push(`${where} imports ${other}/${part}.ts instead of ${other}/index.ts`);
        }
      }
    }
    assert.ok(queries >= 40, `read the modules' queries (${queries})`);
    assert.deepEqual(violations, []);
  });
});
