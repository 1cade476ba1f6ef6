import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const ROOT = new URL("../../", import.meta.url).pathname;
export const compose = readFileSync(`${ROOT}compose.yaml`, "utf8");

/**
 * The environment every Rampart service of compose.yaml gets, rendered as compose would:
 * `${VAR:-default}` becomes the operator's value or the default; `${VAR:?message}` (a value
 * the operator must give) the operator's value, or a failure naming it.
 */
export function composeRampartEnv(operator: Readonly<Record<string, string>> = {}): Record<string, string> {
  const lines = compose.split("\n");
  const start = lines.findIndex((l) => l.includes("environment: &rampart-env"));
  assert.ok(start > 0, "compose.yaml anchors the Rampart environment as &rampart-env");
  const env: Record<string, string> = {};
  for (const line of lines.slice(start + 1)) {
    const match = /^ {4}([A-Z][A-Z0-9_]*): (.*)$/.exec(line);
    if (!match) {
      if (/^ {4}#/.test(line)) continue;
      break;
    }
    const [, name = "", raw = ""] = match;
    env[name] = raw
      .replace(/^"(.*)"$/, "$1")
      .replace(/\$\{([A-Z_]+):-([^}]*)\}/g, (_, variable: string, fallback: string) => operator[variable] ?? fallback)
      .replace(/\$\{([A-Z_]+):\?([^}]*)\}/g, (_, variable: string, message: string) => {
        const value = operator[variable];
        assert.ok(value !== undefined, `compose.yaml requires ${variable}: ${message}`);
        return value;
      });
  }
  return env;
}
