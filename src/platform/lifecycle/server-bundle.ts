import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The production bundle of `rampart serve` (scripts/build-server.ts → dist/server/), and how the
 * launcher (bin/rampart.js) decides whether to run it instead of the TypeScript sources.
 *
 * Why a bundle: resolving, reading and linking some 700 files of src/ and node_modules/ was
 * most of a migrated start, and their module records and source text stayed resident for the
 * process's life (issue #21; docs/benchmarks.md has the measurements). Why it is never trusted
 * blindly: a bundle older than the sources would serve code nobody is looking at. The build
 * records every source file it read (and package-lock.json) with a digest of their bytes; the
 * launcher runs the bundle only when the files on disk still match. Anything else — no bundle,
 * a stale one, an unreadable manifest — runs the sources, which are always correct.
 */
export const BUNDLE_DIR = new URL("../../../dist/server/", import.meta.url);
export const BUNDLE_MANIFEST = "manifest.json";
/** The bundle's entry: the whole CLI, so `serve` runs exactly the code path of the sources. */
export const BUNDLE_ENTRY = "main.js";

export interface BundleManifest {
  /** The project root, relative to the bundle's directory. */
  readonly root: string;
  /** Paths relative to the project root, in the order they are digested. */
  readonly inputs: readonly string[];
  readonly digest: string;
  /** Each input's size and modification time when built: when all still match, the bytes need not be read. */
  readonly stamps: readonly string[];
}

/** sha256 over each input's path and bytes; a missing file digests differently from an empty one. */
export function digestInputs(rootPath: string, inputs: readonly string[]): string {
  const hash = createHash("sha256");
  for (const path of inputs) {
    hash.update(`${path}\0`);
    try {
      hash.update(readFileSync(`${rootPath}${path}`));
    } catch {
      hash.update("\0missing\0");
    }
  }
  return hash.digest("hex");
}

/** A file's size and modification time, or "missing". Paths, not URLs: this runs for every input on every start. */
export function stampOf(rootPath: string, path: string): string {
  const stat = statSync(`${rootPath}${path}`, { throwIfNoEntry: false });
  return stat ? `${stat.size}:${stat.mtimeMs}` : "missing";
}

/** Why the sources must run instead of the bundle, or undefined when the bundle may run. */
export function bundleRefusal(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  dir: URL = BUNDLE_DIR,
): string | undefined {
  if (!(argv.length === 0 || (argv.length === 1 && argv[0] === "serve"))) return "not a plain serve";
  // Tracing instruments fastify, pg and ioredis by hooking their module loads; bundled, they never load as modules.
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return "tracing is configured";
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(new URL(BUNDLE_MANIFEST, dir), "utf8")) as BundleManifest;
  } catch {
    return "no bundle";
  }
  const { inputs, stamps } = manifest;
  if (!Array.isArray(inputs) || !Array.isArray(stamps) || typeof manifest.root !== "string") return "no bundle";
  const rootPath = fileURLToPath(new URL(manifest.root, dir));
  // Stamps first (a few ms): an untouched tree never reads its files. A copied tree (an image
  // layer, a fresh checkout) has new times but may hold the same bytes: the digest decides.
  if (inputs.every((path, i) => stampOf(rootPath, path) === stamps[i])) return undefined;
  return digestInputs(rootPath, inputs) === manifest.digest ? undefined : "bundle is stale";
}
