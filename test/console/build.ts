import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const INDEX = join(ROOT, "console/dist/index.html");
/** What the console bundle is built from: a change in any of these makes the build stale. */
const SOURCES = [
  "console/src",
  "console/index.html",
  "console/vite.config.ts",
  "clients/typescript",
  "src/platform/access/permissions.ts",
];

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

function builtAt(): number {
  try {
    return statSync(INDEX).mtimeMs;
  } catch {
    return 0;
  }
}

/** Builds the console (about a second) when console/dist is missing or older than its sources. */
export function ensureConsoleBuilt(): void {
  const sources = Math.max(...SOURCES.map((s) => newest(join(ROOT, s))));
  if (builtAt() > sources) return;
  execFileSync(
    process.execPath,
    [join(ROOT, "node_modules/vite/bin/vite.js"), "build", "--config", "console/vite.config.ts", "--logLevel", "warn"],
    { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] },
  );
}
