import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { build, type Plugin } from "esbuild";
import { namesToKeep, renamedIn, withNamesRestored } from "../../scripts/bundle-names.ts";

// The production bundle is built without esbuild's keepNames (it costs every request); these
// tests bundle two modules that declare the same error class, as ajv's runtime and
// src/platform/errors/app-error.ts both declare ValidationError, and check the names survive.
const dir = mkdtempSync(join(tmpdir(), "bundle-names-"));
after(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, "src"));
writeFileSync(join(dir, "src/ours.ts"), "export class ValidationError extends Error {}\n");
writeFileSync(
  join(dir, "src/theirs.ts"),
  "export class ValidationError extends Error {\n  constructor() { super(new.target.name); }\n}\n",
);
writeFileSync(
  join(dir, "src/entry.ts"),
  [
    'import { ValidationError as Ours } from "./ours.ts";',
    'import { ValidationError as Theirs } from "./theirs.ts";',
    "console.log(JSON.stringify([Ours.name, Theirs.name, new Theirs().message]));",
  ].join("\n"),
);

const restoring: Plugin = {
  name: "restore-names",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      return { contents: withNamesRestored(text, namesToKeep(args.path, text)), loader: "ts" };
    });
  },
};

async function bundle(plugins: Plugin[]) {
  const outfile = join(dir, `out-${plugins.length}.mjs`);
  await build({
    entryPoints: [join(dir, "src/entry.ts")],
    bundle: true,
    format: "esm",
    platform: "node",
    minifySyntax: true,
    minifyWhitespace: true,
    outfile,
    plugins,
    logLevel: "silent",
  });
  const output = readFileSync(outfile, "utf8");
  return { output, printed: JSON.parse(execFileSync(process.execPath, [outfile], { encoding: "utf8" })) };
}

describe("class names in a bundle without keepNames (scripts/bundle-names.ts)", () => {
  it("a shared class name is renamed by the bundler, and the check says so", async () => {
    const { output, printed } = await bundle([]);
    assert.notDeepEqual(printed, ["ValidationError", "ValidationError", "ValidationError"]);
    assert.deepEqual(renamedIn(output, new Set(["ValidationError"]), new Set()), ["ValidationError2"]);
  });

  it("given back where it is declared, every class keeps its name and the check passes", async () => {
    const { output, printed } = await bundle([restoring]);
    assert.deepEqual(printed, ["ValidationError", "ValidationError", "ValidationError"]);
    assert.deepEqual(renamedIn(output, new Set(["ValidationError"]), new Set()), []);
  });

  it("gives back only a name the bundler changed, never one a class sets for itself", () => {
    const nameAfter = (source: string) =>
      new Function(`${withNamesRestored(source, ["Custom"])}\nreturn Custom.name;`)() as string;
    assert.equal(nameAfter("const Custom = class Custom2 extends Error {};"), "Custom");
    assert.equal(nameAfter('class Custom extends Error { static name = "Other"; }'), "Other");
    assert.equal(nameAfter("const Custom = class CustomError extends Error {};"), "CustomError");
  });

  it("keeps every class of ours and only the error classes of a package", () => {
    const text = "class Reply {}\nclass ValidationError extends Error {}\n";
    assert.deepEqual(namesToKeep("src/platform/x.ts", text), ["Reply", "ValidationError"]);
    assert.deepEqual(namesToKeep("node_modules/ajv/dist/runtime/x.js", text), ["ValidationError"]);
  });

  it("does not take an import binding with a number for a renamed class", () => {
    const output = "var RateLimiterQueueError2=require_RateLimiterQueueError();";
    assert.deepEqual(renamedIn(output, new Set(["RateLimiterQueueError"]), new Set()), []);
    assert.deepEqual(renamedIn("class Base64 {}", new Set(["Base"]), new Set(["Base64"])), []);
  });
});
