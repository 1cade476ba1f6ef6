import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import {
  BUNDLE_MANIFEST,
  type BundleManifest,
  bundleRefusal,
  digestInputs,
  stampOf,
} from "../../../src/platform/lifecycle/server-bundle.ts";

/**
 * A project in a temporary directory: two source files and a lockfile, and a "bundle" directory
 * whose manifest was written from them exactly as scripts/build-server.ts writes it.
 */
const project = mkdtempSync(join(tmpdir(), "rampart-bundle-"));
const root = `${project}/`;
const bundleDir = pathToFileURL(`${project}/dist/server/`);
const INPUTS = ["package-lock.json", "src/a.ts", "src/b.ts"];

function writeSources(): void {
  mkdirSync(`${project}/src`, { recursive: true });
  mkdirSync(`${project}/dist/server`, { recursive: true });
  writeFileSync(`${project}/package-lock.json`, '{"lockfileVersion":3}');
  writeFileSync(`${project}/src/a.ts`, "export const a = 1;\n");
  writeFileSync(`${project}/src/b.ts`, "export const b = 2;\n");
}

function writeManifest(): void {
  const manifest: BundleManifest = {
    root: "../../",
    inputs: INPUTS,
    digest: digestInputs(root, INPUTS),
    stamps: INPUTS.map((path) => stampOf(root, path)),
  };
  writeFileSync(`${project}/dist/server/${BUNDLE_MANIFEST}`, JSON.stringify(manifest));
}

const refusal = (argv: readonly string[] = ["serve"], env: Record<string, string> = {}) =>
  bundleRefusal(argv, env, bundleDir);

describe("when rampart serve runs its production bundle", () => {
  beforeEach(() => {
    rmSync(project, { recursive: true, force: true });
    writeSources();
    writeManifest();
  });
  after(() => rmSync(project, { recursive: true, force: true }));

  it("runs the bundle for a plain serve, or no arguments (serve is the default command), built from these very files", () => {
    assert.equal(refusal(["serve"]), undefined);
    assert.equal(refusal([]), undefined);
  });

  it("runs the sources for every other command and for serve with arguments", () => {
    assert.equal(refusal(["migrate", "up"]), "not a plain serve");
    assert.equal(refusal(["serve", "--help"]), "not a plain serve");
    assert.equal(refusal(["doctor"]), "not a plain serve");
  });

  it("runs the sources when tracing is configured: its module hooks cannot see bundled packages", () => {
    assert.equal(refusal(["serve"], { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" }), "tracing is configured");
  });

  it("runs the sources once a source file changes", () => {
    writeFileSync(`${project}/src/a.ts`, "export const a = 4;\n");
    // File times tick by a few ms: an edit made within the same tick as the build keeps its
    // time. An edit by anyone does not; this one is given a later time as an editor's would have.
    const later = new Date(Date.now() + 60_000);
    utimesSync(`${project}/src/a.ts`, later, later);
    assert.equal(refusal(), "bundle is stale");
  });

  it("runs the sources when a source file is deleted, or the lockfile changes (an install)", () => {
    rmSync(`${project}/src/b.ts`);
    assert.equal(refusal(), "bundle is stale");
    writeSources();
    assert.equal(refusal(), undefined, "the same bytes again: fresh by the digest, new times notwithstanding");
    writeFileSync(`${project}/package-lock.json`, '{"lockfileVersion":3,"packages":{}}');
    assert.equal(refusal(), "bundle is stale");
  });

  it("runs the bundle in a copied tree (an image layer, a fresh checkout): new times, the same bytes", () => {
    const later = new Date(Date.now() + 60_000);
    for (const path of INPUTS) utimesSync(`${project}/${path}`, later, later);
    assert.equal(refusal(), undefined);
  });

  it("runs the sources without a bundle, or with a manifest it cannot read", () => {
    rmSync(`${project}/dist/server/${BUNDLE_MANIFEST}`);
    assert.equal(refusal(), "no bundle");
    writeFileSync(`${project}/dist/server/${BUNDLE_MANIFEST}`, "{ not json");
    assert.equal(refusal(), "no bundle");
    writeFileSync(`${project}/dist/server/${BUNDLE_MANIFEST}`, JSON.stringify({ root: "../../", inputs: INPUTS }));
    assert.equal(refusal(), "no bundle");
  });
});
