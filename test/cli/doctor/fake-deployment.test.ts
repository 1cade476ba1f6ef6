import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { doctorJson } from "../../helpers/doctor.ts";

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/** A stand-in deployment for what no Rampart configuration can get wrong (stack traces, HS256 keys, alg none accepted…). */
async function fakeDeployment(handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handler(req, res, Buffer.concat(chunks)));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const STACK =
  "SyntaxError: Unexpected token } in JSON at position 9\n    at JSON.parse (<anonymous>)\n    at parse (/app/node_modules/body-parser/lib/types/json.js:89:19)";

/** Everything a careless Express app does. */
const leaky: Handler = (req, res, body) => {
  res.setHeader("x-powered-by", "Express");
  res.setHeader("server", "nginx/1.18.0");
  res.setHeader("x-xss-protection", "1; mode=block");
  const path = req.url?.split("?")[0];
  const json = (status: number, value: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(value));
  };
  if (path === "/health") return json(200, { status: "ok" });
  if (path === "/health/ready") return json(503, { status: "not_ready", checks: { database: { status: "failed" } } });
  if (path === "/metrics") {
    res.writeHead(200, { "content-type": "text/plain" });
    return res.end("# HELP http_requests_total Requests\n# TYPE http_requests_total counter\nhttp_requests_total 7\n");
  }
  if (path === "/.well-known/jwks.json")
    return json(200, { keys: [{ kty: "oct", kid: "k1", alg: "HS256", k: "c2VjcmV0" }] });
  // Any token, signed or not, is welcome.
  if (path === "/api/v1/users/me") return json(200, { id: "u1", email: "a@example.com" });
  if (path === "/api/v1/auth/login" && req.method === "POST") {
    if (body.length > 1000) return json(200, { ok: true });
    return json(500, { error: STACK });
  }
  json(404, {
    message: `Route ${req.method}:${path} not found`,
    error: "Not Found",
    name: "FastifyError",
    code: "FST_ERR_NOT_FOUND",
  });
};

describe("rampart doctor against a leaky non-Rampart deployment", () => {
  let url: string;
  let server: Server;
  before(async () => {
    const started = await fakeDeployment(leaky);
    url = started.url;
    server = started.server;
  });
  after(() => server.close());

  it("fails headers, leaks, versions, metrics, JWKS, WWW-Authenticate, alg none, rate limits, body limit and readiness", async () => {
    const { code, status, report } = await doctorJson(["--url", url, "--production"]);
    assert.equal(code, 1);
    for (const id of [
      "security-headers",
      "trusted-hosts",
      "hsts",
      "error-leaks",
      "server-headers",
      "metrics-exposure",
      "jwks",
      "www-authenticate",
      "alg-none",
      "rate-limit-headers",
      "body-limit",
      "readiness",
    ])
      assert.equal(status[id], "fail", id);
    assert.equal(status["cors-foreign-origin"], "pass");
    assert.equal(status["docs-exposure"], "pass");
    const evidence = Object.fromEntries(report.checks.map((c) => [c.id, c.evidence]));
    assert.match(
      evidence["error-leaks"] ?? "",
      /malformed JSON → 500 body reveals a stack frame, node_modules, .*a JavaScript error class/,
    );
    assert.match(
      evidence["error-leaks"] ?? "",
      /no-such-route → 404 FST_ERR_NOT_FOUND body reveals the framework name fastify, a Fastify error code/,
    );
    assert.match(evidence["server-headers"] ?? "", /X-Powered-By: Express, Server: nginx\/1\.18\.0/);
    assert.match(
      evidence.jwks ?? "",
      /kid=k1 alg HS256; kid=k1 is a symmetric key; kid=k1 carries private member\(s\) k/,
    );
    assert.match(evidence["alg-none"] ?? "", /alg:none token → 200: an unsigned token must get 401/);
    assert.match(evidence.readiness ?? "", /→ 503 not_ready; failed: database/);
  });
});

/** The kill switch (service.kill_switch): API routes 503 with Retry-After, probes still answer. */
const killSwitched: Handler = (req, res) => {
  const path = req.url?.split("?")[0] ?? "";
  if (path.startsWith("/api/")) {
    res.writeHead(503, { "content-type": "application/problem+json", "retry-after": "30" });
    return res.end(JSON.stringify({ status: 503, title: "Service Unavailable", code: "service.kill_switch" }));
  }
  res.writeHead(path === "/health" || path === "/health/ready" ? 200 : 404, { "content-type": "application/json" });
  res.end(JSON.stringify({ status: "ok" }));
};

describe("rampart doctor while the kill switch is on", () => {
  let url: string;
  let server: Server;
  before(async () => {
    const started = await fakeDeployment(killSwitched);
    url = started.url;
    server = started.server;
  });
  after(() => server.close());

  it("reports the kill switch as a warning, and the API checks it blocks as not checkable", async () => {
    const { status, report } = await doctorJson(["--url", url, "--load", "5"]);
    for (const id of [
      "kill-switch",
      "www-authenticate",
      "alg-none",
      "rate-limit-headers",
      "rate-limit-burst",
      "body-limit",
    ])
      assert.equal(status[id], "warn", id);
    const killSwitch = report.checks.find((c) => c.id === "kill-switch");
    assert.match(killSwitch?.evidence ?? "", /→ 503 service\.kill_switch, Retry-After: 30: the kill switch is on/);
  });
});
