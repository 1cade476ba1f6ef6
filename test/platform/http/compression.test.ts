import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { Type } from "@sinclair/typebox";
import { negotiateEncoding } from "../../../src/platform/http/compression.ts";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";

describe("response compression", () => {
  let t: TestApp;
  const items = Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item number ${i}` }));
  before(async () => {
    t = await buildTestApp();
    t.app.get(
      "/test/list",
      {
        config: { access: "public" },
        schema: {
          operationId: "listItems",
          tags: ["test"],
          response: { 200: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String() })) },
        },
      },
      async () => items,
    );
    t.app.get(
      "/test/euros",
      {
        config: { access: "public" },
        schema: { operationId: "euros", tags: ["test"], response: { 200: Type.Object({ text: Type.String() }) } },
      },
      async () => ({ text: "€".repeat(400) }),
    );
    await t.app.ready();
  });
  after(() => t.app.close());

  it("compresses JSON above the threshold with br or gzip, as the client accepts", async () => {
    const gz = await t.app.inject({ method: "GET", url: "/test/list", headers: { "accept-encoding": "gzip" } });
    assert.equal(gz.headers["content-encoding"], "gzip");
    assert.deepEqual(JSON.parse(gunzipSync(gz.rawPayload).toString()), items);
    assert.ok(gz.rawPayload.length < JSON.stringify(items).length / 2);
    assert.match(String(gz.headers.vary), /accept-encoding/i);

    const br = await t.app.inject({ method: "GET", url: "/test/list", headers: { "accept-encoding": "gzip, br" } });
    assert.equal(br.headers["content-encoding"], "br");
    assert.deepEqual(JSON.parse(brotliDecompressSync(br.rawPayload).toString()), items);
    assert.equal(br.headers["x-content-type-options"], "nosniff", "security headers survive compression");
  });

  it("measures a body by its UTF-8 bytes, not its characters", async () => {
    // 412 characters, 1,212 bytes: over the 1 KiB threshold only when counted in bytes.
    const res = await t.app.inject({ method: "GET", url: "/test/euros", headers: { "accept-encoding": "gzip" } });
    assert.equal(res.headers["content-encoding"], "gzip");
    assert.equal(JSON.parse(gunzipSync(res.rawPayload).toString()).text, "€".repeat(400));
  });

  it("leaves small responses and clients that accept no encoding alone", async () => {
    const small = await t.app.inject({ method: "GET", url: "/health", headers: { "accept-encoding": "gzip, br" } });
    assert.equal(small.headers["content-encoding"], undefined);
    assert.equal(small.json().status, "ok");
    const plain = await t.app.inject({ method: "GET", url: "/test/list", headers: { "accept-encoding": "identity" } });
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.deepEqual(plain.json(), items);
  });

  it("honours the client's preferences, including explicit refusals (q=0)", () => {
    assert.equal(negotiateEncoding("gzip, deflate, br"), "br");
    assert.equal(negotiateEncoding("br;q=0, gzip"), "gzip");
    assert.equal(negotiateEncoding("gzip;q=0"), undefined);
    assert.equal(negotiateEncoding("*"), "gzip");
    assert.equal(negotiateEncoding("deflate"), undefined);
    assert.equal(negotiateEncoding(undefined), undefined);
  });
});
