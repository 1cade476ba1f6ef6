import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { doctorJson, type JsonReport, runDoctor } from "../../helpers/doctor.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

describe("rampart doctor usage", () => {
  const bad: [string, string[], RegExp][] = [
    ["no --url", [], /--url is required/],
    ["a relative --url", ["--url", "example.com"], /--url must be an absolute http\(s\) URL/],
    ["a non-http --url", ["--url", "ftp://example.com"], /--url must be an http:\/\/ or https:\/\/ URL/],
    ["an unknown option", ["--url", "http://127.0.0.1:1", "--verbose"], /Unknown option '--verbose'/],
    [
      "an unknown format",
      ["--url", "http://127.0.0.1:1", "--format", "xml"],
      /--format must be one of text, json, markdown/,
    ],
    ["--load 0", ["--url", "http://127.0.0.1:1", "--load", "0"], /--load must be an integer from 1 to 1000/],
    [
      "--load above the bound",
      ["--url", "http://127.0.0.1:1", "--load", "5000"],
      /--load must be an integer from 1 to 1000/,
    ],
    ["a non-numeric --timeout", ["--url", "http://127.0.0.1:1", "--timeout", "soon"], /--timeout must be an integer/],
    [
      "an --origin with a path",
      ["--url", "http://127.0.0.1:1", "--origin", "https://app.example.com/x"],
      /--origin must be an origin/,
    ],
  ];
  for (const [name, args, message] of bad) {
    it(`${name}: exit 64, the problem and the usage on stderr, nothing on stdout`, async () => {
      const run = await runDoctor(args);
      assert.equal(run.code, 64);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /doctor +Probe a running deployment/);
      assert.equal(run.stdout, "");
    });
  }
});

function allFailed(report: JsonReport, pattern: RegExp): void {
  for (const check of report.checks) {
    if (check.status === "skip") continue;
    assert.equal(check.status, "fail", `${check.id}: ${check.evidence}`);
    assert.match(check.evidence, pattern, check.id);
    assert.notEqual(check.fix, "", check.id);
  }
}

describe("rampart doctor against an unreachable deployment", () => {
  it("fails every check with the connection error, exits 1, and does not crash (real process)", async () => {
    const port = await closedPort();
    const result = spawnSync(
      process.execPath,
      ["bin/rampart.js", "doctor", "--url", `http://127.0.0.1:${port}`, "--format", "json"],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH },
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    assert.equal(result.status, 1, result.stderr);
    assert.equal(result.stderr, "");
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.equal(report.checks.length, 17);
    allFailed(report, new RegExp(`^connection refused by [A-Z]+ http://127\\.0\\.0\\.1:${port}/`));
    assert.equal(report.summary.fail, 15);
    assert.match(report.profile.reason, /^unknown: connection refused/);
  });
});

describe("rampart doctor against a deployment that never answers", () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let url: string;
  before(async () => {
    // Accepts connections and reads requests, answers nothing.
    server = createServer((socket) => {
      sockets.add(socket);
      socket.resume();
    }).listen(0, "127.0.0.1");
    await once(server, "listening");
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });

  it("fails every check with its --timeout and exits 1", async () => {
    const { code, report } = await doctorJson(["--url", url, "--timeout", "300"]);
    assert.equal(code, 1);
    allFailed(report, /^no answer from [A-Z]+ http:\/\/127\.0\.0\.1:\d+\/\S* within 300 ms$/);
    assert.match(report.checks[0]?.fix ?? "", /raise --timeout/);
  });
});

describe("rampart doctor with a TLS error", () => {
  let server: ReturnType<typeof createHttpServer>;
  let port: number;
  before(async () => {
    server = createHttpServer((_req, res) => res.end("plain http")).listen(0, "127.0.0.1");
    await once(server, "listening");
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  it("reports an https URL to a port that does not speak TLS as a TLS error of each check", async () => {
    const { code, report } = await doctorJson(["--url", `https://127.0.0.1:${port}`]);
    assert.equal(code, 1);
    allFailed(report, /^TLS error talking to [A-Z]+ https:\/\/127\.0\.0\.1:\d+\//);
    assert.match(report.checks[0]?.fix ?? "", /certificate/);
  });
});
