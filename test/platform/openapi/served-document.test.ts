import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";

describe("GET /openapi.json", () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
  });
  after(() => t.app.close());

  const get = (headers: Record<string, string> = {}) => t.app.inject({ url: "/openapi.json", headers });

  it("serves the same document in every encoding, each with its own strong ETag, the same on every request", async () => {
    const document = JSON.stringify(t.app.swagger());
    const plain = await get();
    const gz = await get({ "accept-encoding": "gzip" });
    const br = await get({ "accept-encoding": "gzip, br" });
    assert.equal(plain.body, document);
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.equal(gz.headers["content-encoding"], "gzip");
    assert.equal(gunzipSync(gz.rawPayload).toString(), document);
    assert.equal(br.headers["content-encoding"], "br");
    assert.equal(brotliDecompressSync(br.rawPayload).toString(), document);
    const etags = [plain, gz, br].map((r) => String(r.headers.etag));
    for (const etag of etags) assert.match(etag, /^"[^"]+"$/, "a strong ETag");
    assert.equal(new Set(etags).size, 3, "one per encoding");
    assert.equal((await get({ "accept-encoding": "br" })).headers.etag, br.headers.etag);
    assert.equal(plain.headers.vary, "accept-encoding");
    assert.equal(plain.headers["cache-control"], "no-cache");
  });

  it("answers 304 with no body when the client has the current version", async () => {
    const first = await get({ "accept-encoding": "br" });
    const again = await get({ "accept-encoding": "br", "if-none-match": String(first.headers.etag) });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, "");
    const stale = await get({ "accept-encoding": "br", "if-none-match": '"an-old-version"' });
    assert.equal(stale.statusCode, 200);
  });

  it("is on the public rate-limit tier", async () => {
    const res = await get();
    assert.match(String(res.headers["ratelimit-policy"]), /"public-min"/);
  });
});
