import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { before, describe, it } from "node:test";
import { startServerProcess } from "../helpers/server-process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const REPORT_COLD = `--import=${new URL("./fixtures/report-cold-imports.ts", import.meta.url).pathname}`;

/**
 * Every module a process loads costs start time and resident memory for its whole life
 * (issue #21: start to ready ≤ 700 ms, idle RSS). The paths below are loaded on first use or
 * only when configured: signing (tokens are verified with node:crypto), federated sign-in,
 * passkeys and QR codes, mail, pretty logs, PostgreSQL and Redis clients, tracing's SDK, the
 * doctor's probes, and Node's bundled undici (fetch). A static import added anywhere on the
 * way to `serve` puts one back — in the sources, or in the bundle's chunks (the fixture reads
 * the build's metafile to know what each chunk holds).
 */
for (const build of ["sources", "bundle"] as const) {
  describe(`rampart serve with the default configuration, from its ${build}`, () => {
    let stderr: readonly string[] = [];
    let exitCode: number | string | undefined;
    let ranBuild: unknown;
    before(async () => {
      if (build === "bundle")
        execFileSync(process.execPath, ["scripts/build-server.ts"], { cwd: ROOT, stdio: "inherit" });
      // The sources as the CLI runs them when there is no bundle; the bundle as npm start runs it.
      const argv = build === "sources" ? ["src/cli/main.ts", "serve"] : ["bin/rampart.js", "serve"];
      const server = await startServerProcess({ NODE_OPTIONS: REPORT_COLD }, 15_000, argv);
      try {
        const res = await fetch(`${server.url}/health`);
        assert.equal(res.status, 200);
      } finally {
        server.child.kill("SIGTERM");
        exitCode = await server.exited();
      }
      ranBuild = server.lines.find((line) => line.msg === "rampart listening")?.build;
      // Read after exit: built-in modules are reported then (the fixture's exit hook).
      stderr = server.stderr;
    });

    it("loads none of the cold paths while starting and answering a probe", () => {
      assert.equal(ranBuild, build);
      assert.equal(exitCode, 0);
      assert.deepEqual(
        stderr.filter((line) => line.startsWith("cold-module")),
        [],
      );
    });
  });
}
