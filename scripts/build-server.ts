// Builds the production bundle of `rampart serve` into dist/server/ (or the directory given
// as the first argument): see src/platform/lifecycle/server-bundle.ts for why and for when the
// launcher runs it. `npm run build:server`; `npm ci` runs it through `prepare`.
import { readFile, rm, writeFile } from "node:fs/promises";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import {
  BUNDLE_DIR,
  BUNDLE_ENTRY,
  BUNDLE_MANIFEST,
  type BundleManifest,
  digestInputs,
  stampOf,
} from "../src/platform/lifecycle/server-bundle.ts";
import { namesToKeep, renamedIn, withNamesRestored } from "./bundle-names.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const outdir = process.argv[2] ?? fileURLToPath(BUNDLE_DIR);

/**
 * Packages left to Node's loader: a native addon; pino, whose transports start worker threads
 * from its own files; and tracing's SDK and module hooks (a configured tracer runs the sources).
 */
const EXTERNAL = [
  "@node-rs/argon2",
  "pino",
  "thread-stream",
  "@opentelemetry/*",
  "require-in-the-middle",
  "import-in-the-middle",
];

/**
 * Files whose `require()` of a package is deferred to run time in the sources (to spare Node's
 * ES module linking) but which every start runs: Fastify's schema compilers. Bundled into the
 * chunk that requires them. The other deferred requires (the PostgreSQL and Redis clients, mail,
 * pretty logs, SAML's XML parser) must stay deferred — a start on the embedded defaults uses
 * none of them — so each of those packages becomes one CommonJS file of its own under vendor/,
 * required when first needed: one file to read instead of dozens to resolve.
 */
const BUNDLED_REQUIRES = new Set(["src/platform/http/lazy-schema-compilers.ts"]);

/**
 * Every chunk lands in one directory, so a source file's `import.meta.url` would name the
 * chunk. Files under src/ that resolve paths from it (migrations, the console's build, the
 * password list, createRequire) get their own location back, relative to the chunk so the
 * bundle moves with the tree. `createRequire(import.meta.url)("x")` — a load deferred to run
 * time only to spare the sources' ES module linking — becomes a plain require, bundled.
 */
const vendored = new Set<string>();
/** A vendored package's entry name: vendor/<entry>.cjs. */
const vendorEntry = (name: string) => name.replaceAll("/", "+");

const sourceLocations: Plugin = {
  name: "source-locations",
  setup(build) {
    build.onLoad({ filter: /\/src\/.*\.ts$/ }, async (args) => {
      const fromChunk = JSON.stringify(relative(outdir, args.path));
      let text = await readFile(args.path, "utf8");
      if (BUNDLED_REQUIRES.has(relative(ROOT, args.path)))
        text = text.replace(/^const require = createRequire\(import\.meta\.url\);$/m, "");
      else
        text = text.replace(/\brequire\("((?:@[^/"]+\/)?[^/".:][^"]*)"\)/g, (_, name: string) => {
          if (EXTERNAL.includes(name)) return `require("${name}")`;
          vendored.add(name);
          return `require(__rampartOutDir + ${JSON.stringify(`/vendor/${vendorEntry(name)}.cjs`)})`;
        });
      text = text
        .replace(/createRequire\(import\.meta\.url\)\(("[^"]+")\)/g, "require($1)")
        .replaceAll("import.meta.url", `new URL(${fromChunk}, import.meta.url).href`)
        .replace(/^export const BUILD_KIND: (.*) = "sources";$/m, 'export const BUILD_KIND: $1 = "bundle";');
      return { contents: withNamesRestored(text, namesToKeep(args.path, text)), loader: "ts" };
    });
    build.onLoad({ filter: /\/node_modules\/.*\.c?js$/ }, packageLocations(outdir));
  },
};

/**
 * A bundled CommonJS package that finds its own files through __dirname (the docs UI's static
 * assets, @fastify/swagger's package.json) still finds them in node_modules/: its location,
 * relative to the output's directory (the banners' __rampartOutDir), is put back. Not through
 * import.meta: esbuild would take the file for an ES module.
 */
function packageLocations(dir: string) {
  return async (args: { path: string }) => {
    const source = await readFile(args.path, "utf8");
    const kept = namesToKeep(args.path, source);
    const locates = /\b__(dirname|filename)\b/.test(source);
    if (!locates && kept.length === 0) return undefined;
    const text = withNamesRestored(source, kept);
    if (!locates) return { contents: text, loader: "js" as const };
    const fromOutput = JSON.stringify(relative(dir, args.path));
    const prelude = `var __filename = require("node:path").join(__rampartOutDir, ${fromOutput}); var __dirname = require("node:path").dirname(__filename);`;
    return { contents: `${prelude}\n${text}`, loader: "js" as const };
  };
}

/** What both builds share. */
const COMMON = {
  bundle: true,
  platform: "node",
  target: "node24",
  // Whitespace and syntax only: names stay, so stack traces read as in src/. Not keepNames: it
  // costs every request (scripts/bundle-names.ts), which checks the names that matter instead.
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  logLevel: "warning",
  absWorkingDir: ROOT,
} as const;

await rm(outdir, { recursive: true, force: true });
const result = await build({
  ...COMMON,
  entryPoints: { main: "src/cli/main.ts" },
  format: "esm",
  splitting: true,
  outdir,
  external: EXTERNAL,
  plugins: [sourceLocations],
  sourcemap: "linked",
  // Bundled CommonJS packages call require() for Node's built-ins; ES module output has none.
  // Every chunk is in one directory, so any chunk's directory serves the preludes above.
  banner: {
    js: [
      'import { createRequire as __rampartRequire } from "node:module";',
      "const require = __rampartRequire(import.meta.url);",
      "const __rampartOutDir = import.meta.dirname;",
    ].join(" "),
  },
});
if (!result.metafile.outputs[relative(ROOT, `${outdir}/${BUNDLE_ENTRY}`)])
  throw new Error(`no ${BUNDLE_ENTRY} in ${outdir}`);

// The deferred packages, one CommonJS file each (see BUNDLED_REQUIRES).
const vendorDir = `${outdir}/vendor`;
const vendor = await build({
  ...COMMON,
  entryPoints: Object.fromEntries([...vendored].map((name) => [vendorEntry(name), name])),
  format: "cjs",
  outdir: vendorDir,
  outExtension: { ".js": ".cjs" },
  external: [...EXTERNAL, "pg-native"],
  plugins: [
    {
      name: "package-locations",
      setup: (b) => b.onLoad({ filter: /\/node_modules\/.*\.c?js$/ }, packageLocations(vendorDir)),
    },
  ],
  banner: { js: "var __rampartOutDir = __dirname;" },
});
for (const name of vendored)
  if (!vendor.metafile.outputs[relative(ROOT, `${vendorDir}/${vendorEntry(name)}.cjs`)])
    throw new Error(`no vendor/${vendorEntry(name)}.cjs`);

// A class of ours, or an error class of a package's, renamed in the output would change the
// name errors are logged and reported by.
const kept = new Set<string>();
const declared = new Set<string>();
for (const metafile of [result.metafile, vendor.metafile])
  for (const path of Object.keys(metafile.inputs)) {
    const text = await readFile(`${ROOT}/${path}`, "utf8").catch(() => "");
    for (const name of namesToKeep(path, text)) kept.add(name);
    for (const [, name] of text.matchAll(/\b(?:class|var|let|const|function)\s+([A-Za-z_$][\w$]*)/g))
      declared.add(name as string);
  }
for (const metafile of [result.metafile, vendor.metafile])
  for (const path of Object.keys(metafile.outputs).filter((p) => /\.c?js$/.test(p))) {
    const renamed = renamedIn(await readFile(`${ROOT}/${path}`, "utf8"), kept, declared);
    if (renamed.length > 0) throw new Error(`${path} renames ${[...new Set(renamed)].join(", ")}`);
  }

// The digest covers what the bundle was made of: every source file it read and the lockfile
// that fixed the packages' versions, so an edit or an install makes it stale.
const inputs = [
  ...Object.keys(result.metafile.inputs).filter((path) => !path.startsWith("node_modules/")),
  "package-lock.json",
].sort();
const manifest: BundleManifest = {
  root: `${relative(outdir, ROOT) || "."}/`,
  inputs,
  digest: digestInputs(ROOT, inputs),
  stamps: inputs.map((path) => stampOf(ROOT, path)),
};
await writeFile(`${outdir}/${BUNDLE_MANIFEST}`, `${JSON.stringify(manifest, null, 1)}\n`);
await writeFile(`${outdir}/meta.json`, JSON.stringify(result.metafile));
await writeFile(`${vendorDir}/meta.json`, JSON.stringify(vendor.metafile));
