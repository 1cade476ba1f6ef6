#!/usr/bin/env node
// The `rampart` command. Node ≥ 24 runs the TypeScript sources directly (type stripping);
// the compile cache (see src/main.ts) spares a restart stripping and compiling them again.
// A plain `rampart serve` runs the production bundle instead when one was built from exactly
// these sources (src/platform/lifecycle/server-bundle.ts says why and when).
import { enableCompileCache } from "node:module";

enableCompileCache();
const { BUNDLE_DIR, BUNDLE_ENTRY, bundleRefusal } = await import("../src/platform/lifecycle/server-bundle.ts");
const refusal = bundleRefusal(process.argv.slice(2), process.env);
if (refusal === undefined) {
  await import(new URL(BUNDLE_ENTRY, BUNDLE_DIR).href);
} else {
  await import("../src/cli/main.ts");
}
