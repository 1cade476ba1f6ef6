import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { promisify } from "node:util";

// The production destination (no `destination` given): lines buffered as bytes and written
// 4 KiB at a time. What a user notices is every line on stdout, whole, in order, with its
// multi-byte characters intact — when the process exits, and on a quiet process within the
// flush interval.
const LOGGER = new URL("../../../src/platform/logging/logger.ts", import.meta.url).href;
const TEXT = "größe ✓ 日本語 🚀";

const script = (body: string) => `
import { createLogger } from ${JSON.stringify(LOGGER)};
const logger = createLogger({ LOG_LEVEL: "info", LOG_FORMAT: "json" });
${body}
`;

function parsedLines(stdout: string): { i: number; text: string; msg: string }[] {
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

describe("the buffered stdout destination", () => {
  it("writes every line whole and in order, multi-byte characters intact, when the process exits", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        script(
          `for (let i = 0; i < 5000; i++) logger.info({ i, text: ${JSON.stringify(TEXT)} }, "line"); process.exit(0);`,
        ),
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const lines = parsedLines(stdout);
    assert.equal(lines.length, 5000);
    assert.deepEqual(
      lines.map((l) => l.i),
      lines.map((_, i) => i),
    );
    assert.ok(lines.every((l) => l.text === TEXT && l.msg === "line"));
  });

  it("writes a quiet process's last lines within the flush interval, while it keeps running", async () => {
    const child = spawn(process.execPath, [
      "--input-type=module",
      "-e",
      script(`logger.info({ i: 0, text: ${JSON.stringify(TEXT)} }, "alone"); setTimeout(() => {}, 10_000);`),
    ]);
    try {
      let stdout = "";
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk: string) => {
        stdout += chunk;
      });
      const deadline = Date.now() + 5_000;
      while (!stdout.includes("\n") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(child.exitCode, null, "still running");
      assert.deepEqual(
        parsedLines(stdout).map((l) => [l.msg, l.text]),
        [["alone", TEXT]],
      );
    } finally {
      child.kill();
      await once(child, "exit");
    }
  });
});
