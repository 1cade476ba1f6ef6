import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Algorithm } from "@node-rs/argon2";
import * as argon2 from "@node-rs/argon2";
import { hashSync as bcryptHashSync } from "bcryptjs";
import {
  type Argon2Engine,
  createPasswordHasher,
  MAX_CONCURRENT_ARGON2,
} from "../../../src/modules/identity/passwords.ts";

// Values of @node-rs/argon2's const enum Algorithm (not accessible under isolated modules).
const ARGON2D = 0 as Algorithm;
const ARGON2I = 1 as Algorithm;

const hasher = createPasswordHasher();

describe("password hashing", () => {
  it("hashes with argon2id v19 at the OWASP minimum (m=19456 KiB, t=2, p=1), salted per hash", async () => {
    const first = await hasher.hash("correct horse battery");
    const second = await hasher.hash("correct horse battery");
    assert.match(first, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.notEqual(first, second, "a fresh salt per hash");
    assert.deepEqual(await hasher.verify(first, "correct horse battery"), { ok: true, needsRehash: false });
    assert.deepEqual(await hasher.verify(first, "correct horse battery!"), { ok: false, needsRehash: false });
  });

  it("hashes off the event loop: a 5 ms timer keeps ticking while 4 hashes run", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    // Were hashing done on the main thread, all four would finish before any timer callback
    // ran (the calls start synchronously inside map), and ticks would stay 0.
    await Promise.all([1, 2, 3, 4].map((i) => hasher.hash(`password number ${i}`)));
    clearInterval(timer);
    assert.ok(ticks >= 3, `the event loop turned only ${ticks} times during 4 hashes`);
  });

  it("runs at most MAX_CONCURRENT_ARGON2 (cores, at most 3) computations at once; the rest wait their turn", async () => {
    let running = 0;
    let peak = 0;
    const counting: Argon2Engine = {
      hash: async (...args) => {
        running += 1;
        peak = Math.max(peak, running);
        try {
          return await argon2.hash(...args);
        } finally {
          running -= 1;
        }
      },
      verify: argon2.verify,
    };
    const limited = createPasswordHasher({}, counting);
    const hashes = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => limited.hash(`queued password ${i}`)));
    assert.equal(new Set(hashes).size, 6, "every call completes");
    assert.ok(MAX_CONCURRENT_ARGON2 >= 1 && MAX_CONCURRENT_ARGON2 <= 3);
    assert.equal(peak, MAX_CONCURRENT_ARGON2);
  });

  it("normalises to NFKC, so the same password typed differently verifies", async () => {
    const stored = await hasher.hash("\uFB01nancial-\u216B"); // "ﬁ" ligature and the Roman numeral Ⅻ
    assert.equal((await hasher.verify(stored, "financial-XII")).ok, true);
    const composed = await hasher.hash("caf\u00e9 au lait"); // é as one code point
    assert.equal((await hasher.verify(composed, "cafe\u0301 au lait")).ok, true); // e + combining accent
  });

  it("verifies bcrypt hashes ($2a$, $2b$, $2y$) of the previous system and asks for a rehash", async () => {
    const bcrypt = bcryptHashSync("legacy secret 1", 4);
    for (const prefix of ["$2a$", "$2b$", "$2y$"]) {
      const stored = prefix + bcrypt.slice(4);
      assert.deepEqual(await hasher.verify(stored, "legacy secret 1"), { ok: true, needsRehash: true }, prefix);
      assert.deepEqual(await hasher.verify(stored, "legacy secret 2"), { ok: false, needsRehash: false }, prefix);
    }
  });

  it("verifies a bcrypt hash of a password stored without normalisation", async () => {
    const typed = "cafe\u0301 au lait"; // decomposed: NFKC would compose it
    const stored = bcryptHashSync(typed, 4);
    assert.deepEqual(await hasher.verify(stored, typed), { ok: true, needsRehash: true });
  });

  it("asks for a rehash of argon2 hashes with weaker parameters or another variant", async () => {
    const password = "an older password";
    const outdated = {
      "argon2id with less memory": await argon2.hash(password, { memoryCost: 4096, timeCost: 2, parallelism: 1 }),
      "argon2id with fewer passes": await argon2.hash(password, { memoryCost: 19456, timeCost: 1, parallelism: 1 }),
      argon2i: await argon2.hash(password, { memoryCost: 19456, timeCost: 2, parallelism: 1, algorithm: ARGON2I }),
      argon2d: await argon2.hash(password, { memoryCost: 19456, timeCost: 2, parallelism: 1, algorithm: ARGON2D }),
    };
    for (const [what, stored] of Object.entries(outdated)) {
      assert.deepEqual(await hasher.verify(stored, password), { ok: true, needsRehash: true }, what);
      assert.deepEqual(await hasher.verify(stored, "not it"), { ok: false, needsRehash: false }, what);
    }
  });

  it("treats stronger stored parameters as current, and current ones as outdated once the parameters rise", async () => {
    const stronger = createPasswordHasher({ timeCost: 3 });
    const strongHash = await stronger.hash("future proof password");
    assert.match(strongHash, /\$m=19456,t=3,p=1\$/);
    assert.deepEqual(await hasher.verify(strongHash, "future proof password"), { ok: true, needsRehash: false });
    const todays = await hasher.hash("future proof password");
    assert.deepEqual(await stronger.verify(todays, "future proof password"), { ok: true, needsRehash: true });
  });

  it("refuses parameters below the OWASP minimum", () => {
    assert.throws(() => createPasswordHasher({ memoryCost: 8192 }), /memoryCost must be an integer of at least 19456/);
    assert.throws(() => createPasswordHasher({ timeCost: 1 }), /timeCost must be an integer of at least 2/);
    assert.throws(() => createPasswordHasher({ parallelism: 0 }), /parallelism must be an integer of at least 1/);
  });

  it("answers ok: false, without throwing, for a malformed stored hash", async () => {
    const valid = await hasher.hash("whatever it is");
    const malformed = [
      "",
      "plaintext-password",
      "$argon2id$",
      "$argon2id$v=19$m=19456,t=2,p=1$not-base64!$also-not",
      valid.slice(0, -10),
      "$2b$10$short",
      `$2b$04$${"!".repeat(53)}`,
      "$2x$04$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234",
      "$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA",
    ];
    for (const stored of malformed) {
      assert.deepEqual(await hasher.verify(stored, "whatever it is"), { ok: false, needsRehash: false }, stored);
    }
  });
});

describe("dummy verification for unknown accounts", () => {
  /** The real engine, recording the parameters of every hash it verifies against. */
  function recordingEngine() {
    const verified: argon2.ParsedHashOptions[] = [];
    const engine: Argon2Engine = {
      hash: argon2.hash,
      verify: (stored, password, options, signal) => {
        verified.push(argon2.parseOptions(stored));
        return argon2.verify(stored, password, options, signal);
      },
    };
    return { engine, verified };
  }

  it("does the same argon2 work as a real verify: one verification with the current parameters", async () => {
    for (const params of [{}, { memoryCost: 32_768, timeCost: 3 }]) {
      const { engine, verified } = recordingEngine();
      const recorded = createPasswordHasher(params, engine);
      const stored = await recorded.hash("a real account's password");
      await recorded.verify(stored, "a wrong guess");
      await recorded.verifyDummy("a wrong guess");
      assert.equal(verified.length, 2);
      assert.deepEqual(verified[1], verified[0], "the dummy hash has the parameters of a real one");
      assert.equal(verified[0]?.memoryCost, params.memoryCost ?? 19_456);
      assert.equal(verified[0]?.timeCost, params.timeCost ?? 2);
    }
  });

  it("takes about as long as a real verify (fastest of interleaved runs within 2x)", async () => {
    const stored = await hasher.hash("a real account's password");
    await hasher.verifyDummy("warm-up"); // the dummy hash is made once, up front
    const real: number[] = [];
    const dummy: number[] = [];
    for (let i = 0; i < 7; i++) {
      let started = performance.now();
      await hasher.verify(stored, "a wrong guess");
      real.push(performance.now() - started);
      started = performance.now();
      await hasher.verifyDummy("a wrong guess");
      dummy.push(performance.now() - started);
    }
    // The fastest run is the cost of the work itself: load on a shared machine only adds time.
    const ratio = Math.min(...dummy) / Math.min(...real);
    assert.ok(ratio > 0.5 && ratio < 2, `dummy/real = ${ratio.toFixed(2)} (${dummy} vs ${real} ms)`);
  });
});
