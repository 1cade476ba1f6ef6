import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  canonicalJson,
  GENESIS_HASH,
  newPersonalSalt,
  personalDigest,
  personalFieldsBreak,
  streamOf,
} from "../../../src/modules/audit/chain.ts";

// The chain's building blocks as an outside verifier relies on them (docs/security.md, audit
// trail): the genesis link, the canonical text of metadata, the stream names and the check of
// erased personal fields. Mutation testing found each unpinned by the trail's own tests.
describe("audit chain building blocks", () => {
  it("links a stream's first event to 64 zeros", () => {
    assert.equal(GENESIS_HASH, "0000000000000000000000000000000000000000000000000000000000000000");
  });

  it("writes canonical JSON: keys sorted at every level, undefined left out, null, arrays and scalars kept", () => {
    const value = { b: 1, a: { d: [{ z: 1, y: null }, "s"], c: undefined }, n: null, t: true };
    assert.equal(canonicalJson(value), '{"a":{"d":[{"y":null,"z":1},"s"]},"b":1,"n":null,"t":true}');
    assert.equal(canonicalJson({ y: 2, x: 1 }), canonicalJson({ x: 1, y: 2 }), "the same value, the same text");
    assert.equal(canonicalJson("text"), '"text"');
    assert.equal(canonicalJson(null), "null");
  });

  it("names the platform's stream and each company's", () => {
    assert.equal(streamOf(null), "platform");
    assert.equal(streamOf("0b8f5c1e-0000-4000-8000-000000000001"), "company:0b8f5c1e-0000-4000-8000-000000000001");
  });

  it("finds a personal field set again after erasure, the IP or the User-Agent alone", () => {
    const salt = newPersonalSalt();
    const digest = personalDigest(salt, "203.0.113.7", "curl/8");
    const erased = { personal_salt: null, personal_digest: digest };
    assert.equal(personalFieldsBreak({ ...erased, ip: null, user_agent: null }), undefined);
    assert.match(personalFieldsBreak({ ...erased, ip: "203.0.113.7", user_agent: null }) ?? "", /after erasure/);
    assert.match(personalFieldsBreak({ ...erased, ip: null, user_agent: "curl/8" }) ?? "", /after erasure/);
    const kept = { personal_salt: salt, personal_digest: digest };
    assert.equal(personalFieldsBreak({ ...kept, ip: "203.0.113.7", user_agent: "curl/8" }), undefined);
    assert.match(personalFieldsBreak({ ...kept, ip: "203.0.113.8", user_agent: "curl/8" }) ?? "", /does not match/);
  });
});
