import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { parseEnv } from "node:util";
import { renderEnvExample } from "../../src/config/env-example.ts";
import { loadConfig } from "../../src/config/load.ts";
import { settings } from "../../src/config/settings/index.ts";

const example = readFileSync(new URL("../../.env.example", import.meta.url), "utf8");

it(".env.example is the one generated from the settings schema (regenerate: npm run rampart -- config example)", () => {
  assert.equal(example, renderEnvExample());
});

it(".env.example names every setting, and its active values are valid", () => {
  for (const name of Object.keys(settings)) assert.match(example, new RegExp(`^(# )?${name}=`, "m"), name);
  assert.doesNotThrow(() => loadConfig(parseEnv(example)));
});
