import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { requestSlot } from "../../src/platform/http/request-slot.ts";
import { sourceFiles } from "../helpers/source-scan.ts";

// A WeakMap (or WeakSet) keyed by a request or a reply takes an ephemeron per request, which
// every young-generation collection traces apart: the access hook's one tripled the
// collector's pauses at load (src/platform/http/request-slot.ts). The compiler cannot see
// it; this reads the sources for the whole class.
const ROOT = new URL("../../", import.meta.url).pathname;
const PER_REQUEST = /new\s+Weak(?:Map|Set)\s*<\s*(?:Fastify(?:Request|Reply)|IncomingMessage|ServerResponse)\b/g;

describe("state kept per request", () => {
  it("no WeakMap or WeakSet in src/ is keyed by a request or a reply: requestSlot() keeps it on the object", () => {
    const files = sourceFiles(join(ROOT, "src"));
    assert.ok(files.length > 100, `read ${files.length} sources`);
    const found = files.flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(PER_REQUEST)].map((m) => `${relative(ROOT, file)}: ${m[0]}`),
    );
    assert.deepEqual(found, []);
  });

  it("the pattern finds what it is for (so the check above cannot pass by matching nothing)", () => {
    for (const source of [
      "const s = new WeakMap<FastifyRequest, State>();",
      "new WeakSet<FastifyReply>()",
      "new WeakMap< IncomingMessage, number>()",
    ]) {
      assert.equal([...source.matchAll(PER_REQUEST)].length, 1, source);
    }
    assert.equal(
      [...`new WeakMap<Socket, number>()`.matchAll(PER_REQUEST)].length,
      0,
      "per-connection maps are not this class",
    );
  });

  it("a slot holds one value per object, and two slots never share theirs", () => {
    const first = requestSlot<object, string>("same");
    const second = requestSlot<object, string>("same");
    const a = {};
    const b = {};
    assert.equal(first.get(a), undefined);
    first.set(a, "a1");
    second.set(a, "a2");
    first.set(b, "b1");
    assert.equal(first.get(a), "a1");
    assert.equal(second.get(a), "a2");
    assert.equal(first.get(b), "b1");
    assert.equal(second.get(b), undefined);
    assert.equal(JSON.stringify(a), "{}", "nothing shows when the object is serialized");
  });
});
