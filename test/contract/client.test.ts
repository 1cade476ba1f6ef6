import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { getHealth, getReadiness } from "../../clients/typescript/index.ts";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const GENERATED = "clients/typescript/generated/rampart.ts";

describe("the generated TypeScript client", () => {
  it("is what orval generates from the committed openapi.json (regenerate with `npm run generate:client`)", async () => {
    // A copy of exactly the inputs, so the relative import of fetcher.ts comes out the same.
    const dir = await mkdtemp(join(tmpdir(), "rampart-client-"));
    try {
      await mkdir(join(dir, "clients/typescript"), { recursive: true });
      await cp(join(ROOT, "openapi.json"), join(dir, "openapi.json"));
      await cp(join(ROOT, "clients/typescript/fetcher.ts"), join(dir, "clients/typescript/fetcher.ts"));
      const result = spawnSync(process.execPath, [join(ROOT, "clients/typescript/generate.ts"), dir], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.equal(result.status, 0, result.stderr);
      const fresh = await readFile(join(dir, GENERATED), "utf8");
      const committed = await readFile(join(ROOT, GENERATED), "utf8");
      assert.ok(fresh === committed, "the committed client is stale: run `npm run generate:client` and commit it");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe("against a real running server", () => {
    let server: ServerProcess | undefined;
    const url = () => {
      assert.ok(server, "the server started");
      return server.url;
    };
    before(async () => {
      server = await startServerProcess({});
    });
    after(async () => {
      if (server === undefined) return;
      server.child.kill("SIGTERM");
      await server.exited();
    });

    it("reads health and readiness through the generated operations only", async () => {
      const health = await getHealth({ baseUrl: url() });
      assert.equal(health.status, 200);
      if (health.status !== 200) return;
      // The narrowed type is the generated Health model: a typo here fails `npm run check`.
      assert.equal(health.data.status, "ok");
      assert.match(health.data.version, /^\d+\.\d+\.\d+/);
      assert.match(health.headers.get("x-request-id") ?? "", /.+/);

      const readiness = await getReadiness({ baseUrl: url() });
      assert.equal(readiness.status, 200);
      assert.equal(readiness.data.status, "ready");
    });

    it("returns problems as typed data instead of throwing", async () => {
      // No operation answers 404 yet; the transport still parses problem+json for every call.
      const health = await getHealth({ baseUrl: `${url()}/nowhere` });
      assert.equal(health.status as number, 404);
      assert.equal((health.data as { code?: string }).code, "route.not_found");
    });
  });
});
