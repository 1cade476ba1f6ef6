import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { sourceFiles } from "../helpers/source-scan.ts";

// Route handlers read request.body, params and querystring typed by their route's own schema
// (schemaRef in src/platform/openapi/schema-ref.ts gives a Type.Ref its schema's static type),
// so a cast in a route file can only hide a mismatch between the schema and the handler.
const ROOT = new URL("../../", import.meta.url).pathname;

const ROUTE = /\bapp\.(?:get|post|put|patch|delete)\(/;
/** A type assertion: `as` followed by a type, except `as const`. */
const CAST = /\)?\s\bas\s+(?!const\b)[A-Za-z_{[(]/g;
/** An untyped reference where the handler reads the request: its static type would be unknown. */
const UNTYPED_REF = /\b(?:body|params|querystring|headers):\s*Type\.Ref\(/g;

describe("typed routes", () => {
  const routeFiles = sourceFiles(join(ROOT, "src")).filter((file) => {
    const source = readFileSync(file, "utf8");
    return (/(?:^|[/-])routes\.ts$/.test(file) && ROUTE.test(source)) || file.endsWith("route-support.ts");
  });

  it("route files read requests through their schemas: no type assertions, no untyped request refs", () => {
    assert.ok(routeFiles.length >= 10, `found the route files (${routeFiles.length})`);
    const violations: string[] = [];
    for (const file of routeFiles) {
      const lines = readFileSync(file, "utf8").split("\n");
      lines.forEach((line, index) => {
        const code = line.replace(/\/\/.*$/, "").replace(/"(?:[^"\\]|\\.)*"/g, '""');
        if (/^\s*(?:\*|\/\*\*|import\b)/.test(line)) return;
        const where = `${relative(ROOT, file)}:${index + 1}`;
        for (const _ of code.matchAll(CAST)) violations.push(`${where} casts: ${line.trim()}`);
        for (const _ of code.matchAll(UNTYPED_REF))
          violations.push(`${where} uses an untyped Type.Ref: ${line.trim()}`);
      });
    }
    assert.deepEqual(violations, []);
  });
});
