import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";
import { PATH_VARIANTS, SMUGGLING_VARIANTS, sendAndCollect } from "../../helpers/smuggling.ts";

describe("request smuggling and path tricks against Rampart directly (regressions)", () => {
  let t: TestApp;
  let address: string;
  before(async () => {
    t = await buildTestApp();
    address = await t.app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(() => t.app.close());

  it("never answers a request hidden in another's body, whatever the framing trick", async () => {
    for (const { name, raw } of SMUGGLING_VARIANTS) {
      const received = await sendAndCollect(address, raw);
      assert.match(received, /^HTTP\/1\.1 \d{3} /, `${name}: answered`);
      assert.doesNotMatch(received, /smuggled-request/, `${name}: the hidden request was never answered`);
      assert.doesNotMatch(received, /HTTP\/1\.1 5\d\d /, `${name}: no 5xx`);
    }
  });

  it("lets no path variant reach a signed-in route without credentials, and fails none", async () => {
    for (const path of PATH_VARIANTS) {
      const received = await sendAndCollect(
        address,
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      );
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1]);
      assert.ok([400, 401, 404, 414].includes(status), `${path}: ${status}`);
      assert.match(received, /content-type: application\/problem\+json/i, `${path}: a problem document`);
    }
  });
});
