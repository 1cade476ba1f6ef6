import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { OPENAPI_SNAPSHOT_ENV } from "../../src/cli/openapi-snapshot.ts";
import { buildTestApp } from "../helpers/app.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const committed = () => readFileSync(`${ROOT}openapi.json`, "utf8");

describe("the committed openapi.json", () => {
  it("is exactly what the server serves (regenerate with `npm run openapi`)", async () => {
    const { app } = await buildTestApp(OPENAPI_SNAPSHOT_ENV);
    const served = (await app.inject({ url: "/openapi.json" })).json();
    await app.close();
    assert.deepEqual(
      served,
      JSON.parse(committed()),
      "openapi.json is stale: run `npm run openapi` and commit the result so the API change shows in review",
    );
  });

  it("is byte for byte what `rampart openapi` prints", () => {
    const result = spawnSync(process.execPath, ["bin/rampart.js", "openapi"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH },
      encoding: "utf8",
      timeout: 30_000,
      // The document is over spawnSync's default 1 MiB of output (ENOBUFS, reported as a null status).
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(result.error, undefined);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, committed());
  });
});
