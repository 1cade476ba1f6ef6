#!/usr/bin/env node
// The `rampart` command. Node ≥ 24 runs the TypeScript sources directly (type stripping);
// the compile cache (see src/main.ts) spares a restart stripping and compiling them again.
import { enableCompileCache } from "node:module";

enableCompileCache();
await import("../src/cli/main.ts");
