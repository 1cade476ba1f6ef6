import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { calculateJwkThumbprint, exportJWK } from "jose";
import { keysDirectory } from "../../../src/config/values/keys-directory.ts";
import { issueAccessToken, verifyAccessToken } from "../../../src/platform/auth/access-token.ts";
import { publicJwkOf } from "../../../src/platform/auth/key-material.ts";
import { addKey } from "../../../src/platform/auth/keyset-store.ts";
import { CLOCK_TOLERANCE_S, loadSigningKeys } from "../../../src/platform/auth/signing-keys.ts";
import { UnauthorizedError } from "../../../src/platform/errors/app-error.ts";
import { PRODUCTION_WEBAUTHN } from "../../helpers/config.ts";
import { keyTestSetup, manualClock, tempDataDir } from "./fixtures.ts";

const user = { userId: "user-1", sessionId: "session-1" };
const pem = (alg: "rsa" | "ec" | "ed25519") => {
  const pair =
    alg === "rsa"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : alg === "ec"
        ? generateKeyPairSync("ec", { namedCurve: "P-256" })
        : generateKeyPairSync("ed25519");
  return {
    privatePem: pair.privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    publicPem: pair.publicKey.export({ type: "spki", format: "pem" }) as string,
  };
};

describe("signing keys in development and test: the key directory", () => {
  it("generates a key once, persists it owner-only, and reuses it on the next start", async () => {
    const { config, logger } = keyTestSetup();
    const first = await loadSigningKeys(config, logger, manualClock());
    const second = await loadSigningKeys(config, logger, manualClock());
    first.close();
    second.close();
    assert.equal(second.active().kid, first.active().kid);
    assert.equal(first.active().alg, "RS256");
    const dir = keysDirectory(config.DATA_DIR);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    assert.equal(statSync(join(dir, files[0] as string)).mode & 0o777, 0o600);
  });

  it("uses the RFC 7638 thumbprint of the public key as kid, and publishes only public members", async () => {
    const { config, logger } = keyTestSetup();
    const keys = await loadSigningKeys(config, logger, manualClock());
    keys.close();
    const [jwk] = keys.jwks().keys;
    assert.ok(jwk);
    assert.equal(jwk.kid, await calculateJwkThumbprint({ kty: jwk.kty, n: jwk.n, e: jwk.e }, "sha256"));
    assert.deepEqual(Object.keys(jwk).sort(), ["alg", "e", "kid", "kty", "n", "use"]);
    assert.equal(jwk.alg, "RS256");
    assert.equal(jwk.use, "sig");
  });

  it("derives the same public JWK and kid as jose for RSA, EC P-256 and Ed25519 keys, and RFC 7638's example thumbprint", async () => {
    // RFC 7638 §3.1: this RSA key's SHA-256 thumbprint.
    const rfcKey = createPublicKey({
      format: "jwk",
      key: {
        kty: "RSA",
        n: "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        e: "AQAB",
      },
    });
    assert.equal((await publicJwkOf(rfcKey, "RS256")).kid, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    const pairs = [
      ["RS256", generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey],
      ["ES256", generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey],
      ["EdDSA", generateKeyPairSync("ed25519").privateKey],
    ] as const;
    for (const [alg, privateKey] of pairs) {
      const published = await publicJwkOf(privateKey, alg);
      const expected = await exportJWK(createPublicKey(privateKey));
      assert.deepEqual(published, {
        ...expected,
        kid: await calculateJwkThumbprint(expected, "sha256"),
        alg,
        use: "sig",
      });
      assert.equal("d" in published, false, `${alg}: no private member`);
    }
  });

  it("a rotation becomes active on reload; the old key stays published until its last token expired, then drops out", async () => {
    const { config, logger } = keyTestSetup({ ACCESS_TOKEN_TTL_S: "60", JWT_KEYS_RELOAD_INTERVAL_S: "30" });
    const clock = manualClock();
    const keys = await loadSigningKeys(config, logger, clock);
    const oldKid = keys.active().kid;
    const oldToken = await issueAccessToken(keys, config, clock, user);

    clock.advance(10);
    await addKey(keysDirectory(config.DATA_DIR), "RS256", clock.now(), logger);
    await keys.reload();
    const newKid = keys.active().kid;
    assert.notEqual(newKid, oldKid);
    assert.deepEqual(
      keys.jwks().keys.map((k) => k.kid),
      [newKid, oldKid],
    );
    assert.equal((await verifyAccessToken(keys, config, clock, oldToken.accessToken)).sub, "user-1");

    // Published for reload interval + TTL + tolerance after the retirement, and not a second longer.
    const retention = 30 + 60 + CLOCK_TOLERANCE_S;
    clock.advance(retention - 1);
    assert.ok(keys.jwks().keys.some((k) => k.kid === oldKid));
    clock.advance(1);
    assert.deepEqual(
      keys.jwks().keys.map((k) => k.kid),
      [newKid],
    );
    assert.equal(await keys.verificationKey(oldKid), undefined);
    keys.close();
  });

  it("an instance that has not reloaded yet verifies a token of the new key by reloading, at most once per 5 s", async () => {
    const { config, logger } = keyTestSetup();
    const clock = manualClock();
    const a = await loadSigningKeys(config, logger, clock);
    const b = await loadSigningKeys(config, logger, clock);
    const dir = keysDirectory(config.DATA_DIR);

    clock.advance(1);
    await addKey(dir, "RS256", clock.now(), logger);
    await a.reload();
    const first = await issueAccessToken(a, config, clock, user);
    assert.notEqual(a.active().kid, b.active().kid);
    assert.equal((await verifyAccessToken(b, config, clock, first.accessToken)).sid, "session-1");
    assert.equal(b.active().kid, a.active().kid);

    clock.advance(1);
    await addKey(dir, "RS256", clock.now(), logger);
    await a.reload();
    const second = await issueAccessToken(a, config, clock, user);
    assert.notEqual(a.active().kid, b.active().kid);
    // Within 5 s of the last kid-triggered reload, an unknown kid fails without touching the disk again.
    await assert.rejects(verifyAccessToken(b, config, clock, second.accessToken), UnauthorizedError);
    clock.advance(5);
    assert.equal((await verifyAccessToken(b, config, clock, second.accessToken)).sub, "user-1");
    a.close();
    b.close();
  });

  it("a key added by a process whose clock lags the newest key's still becomes the active key everywhere", async () => {
    const { config, logger } = keyTestSetup();
    const clock = manualClock();
    const keys = await loadSigningKeys(config, logger, clock);
    const lagging = new Date(clock.now().getTime() - 60_000);
    const added = await addKey(keysDirectory(config.DATA_DIR), "RS256", lagging, logger);
    await keys.reload();
    assert.equal(keys.active().kid, added.kid);
    keys.close();
  });

  it("a changed JWT_ALG rotates to a key of the new algorithm at startup; the old key stays verifiable", async () => {
    const { config, logger } = keyTestSetup();
    const clock = manualClock();
    const rsa = await loadSigningKeys(config, logger, clock);
    const token = await issueAccessToken(rsa, config, clock, user);
    rsa.close();
    const ecConfig = { ...config, JWT_ALG: "ES256" as const };
    const ec = await loadSigningKeys(ecConfig, logger, clock);
    assert.equal(ec.active().alg, "ES256");
    assert.deepEqual(
      ec.jwks().keys.map((k) => k.alg),
      ["ES256", "RS256"],
    );
    assert.equal((await verifyAccessToken(ec, ecConfig, clock, token.accessToken)).sub, "user-1");
    ec.close();
  });

  it("a reload that fails (a corrupt key file) keeps the current keys and logs a warning", async () => {
    const { config, logger, logs } = keyTestSetup();
    const keys = await loadSigningKeys(config, logger, manualClock());
    const kid = keys.active().kid;
    writeFileSync(join(keysDirectory(config.DATA_DIR), `key.${"A".repeat(43)}.json`), "{not json");
    await assert.rejects(keys.reload(), /is not valid JSON/);
    assert.equal(keys.active().kid, kid);
    const verified = await keys.verificationKey(`unknown-${kid}`);
    assert.equal(verified, undefined);
    assert.ok(logs.lines().some((l) => l.level === "warn" && l.msg.includes("reload failed")));
    keys.close();
  });

  it("warns when the keys directory is readable by other users, and when JWT_PREVIOUS_PUBLIC_KEYS cannot apply", async () => {
    const { config, logger, logs } = keyTestSetup({ JWT_PREVIOUS_PUBLIC_KEYS: pem("ed25519").publicPem });
    mkdirSync(keysDirectory(config.DATA_DIR), { mode: 0o755 });
    const keys = await loadSigningKeys(config, logger, manualClock());
    keys.close();
    const warnings = logs
      .lines()
      .filter((l) => l.level === "warn")
      .map((l) => l.msg);
    assert.ok(warnings.includes("signing keys directory is accessible by other users"), String(warnings));
    assert.ok(warnings.some((m) => m.startsWith("JWT_PREVIOUS_PUBLIC_KEYS is ignored without JWT_PRIVATE_KEY")));
  });

  it("no private key material appears in any log line while loading, generating and rotating", async () => {
    const { config, logger, logs } = keyTestSetup({ LOG_LEVEL: "trace" });
    const clock = manualClock();
    const keys = await loadSigningKeys(config, logger, clock);
    await addKey(keysDirectory(config.DATA_DIR), "EdDSA", clock.now(), logger);
    await keys.reload();
    keys.close();
    assert.ok(logs.raw.length >= 3, "loading, generating and rotating are logged");
    assert.doesNotMatch(logs.text(), /PRIVATE KEY/);
    assert.doesNotMatch(logs.text(), /"d":/);
  });
});

describe("signing keys from the environment (production)", () => {
  it("JWT_PRIVATE_KEY is the active key; JWT_PREVIOUS_PUBLIC_KEYS stay published and verify old tokens", async () => {
    const clock = manualClock();
    const old = pem("rsa");
    const current = pem("ec");
    const oldSetup = keyTestSetup({ APP_ENV: "production", ...PRODUCTION_WEBAUTHN, JWT_PRIVATE_KEY: old.privatePem });
    const oldKeys = await loadSigningKeys(oldSetup.config, oldSetup.logger, clock);
    const oldToken = await issueAccessToken(oldKeys, oldSetup.config, clock, user);
    oldKeys.close();

    const { config, logger, logs } = keyTestSetup({
      APP_ENV: "production",
      ...PRODUCTION_WEBAUTHN,
      JWT_ALG: "ES256",
      JWT_PRIVATE_KEY: current.privatePem,
      JWT_PREVIOUS_PUBLIC_KEYS: old.publicPem,
    });
    const keys = await loadSigningKeys(config, logger, clock);
    assert.equal(keys.active().alg, "ES256");
    assert.deepEqual(
      keys.jwks().keys.map((k) => k.kid),
      [keys.active().kid, oldKeys.active().kid],
    );
    assert.equal((await verifyAccessToken(keys, config, clock, oldToken.accessToken)).sub, "user-1");
    // Nothing is written under DATA_DIR when the key comes from the environment.
    assert.deepEqual(readdirSync(config.DATA_DIR), []);
    assert.doesNotMatch(logs.text(), /PRIVATE KEY/);
    keys.close();
  });

  it("JWT_PRIVATE_KEY_FILE and JWT_PREVIOUS_PUBLIC_KEYS_FILE are re-read on reload (a rotated mounted secret)", async () => {
    const dir = tempDataDir();
    const keyFile = join(dir, "jwt.pem");
    const previousFile = join(dir, "previous.pem");
    const first = pem("ed25519");
    const second = pem("ed25519");
    writeFileSync(keyFile, first.privatePem, { mode: 0o600 });
    writeFileSync(previousFile, "");
    const { config, logger } = keyTestSetup({
      APP_ENV: "production",
      ...PRODUCTION_WEBAUTHN,
      JWT_ALG: "EdDSA",
      JWT_PRIVATE_KEY_FILE: keyFile,
      JWT_PREVIOUS_PUBLIC_KEYS_FILE: previousFile,
    });
    const keys = await loadSigningKeys(config, logger, manualClock());
    const firstKid = keys.active().kid;
    assert.equal(keys.jwks().keys.length, 1);
    writeFileSync(keyFile, second.privatePem);
    writeFileSync(previousFile, first.publicPem);
    await keys.reload();
    assert.notEqual(keys.active().kid, firstKid);
    assert.deepEqual(
      keys.jwks().keys.map((k) => k.kid),
      [keys.active().kid, firstKid],
    );
    keys.close();
  });

  it("an unreadable key file or a key of another algorithm fails the load with a message naming the setting, not the key", async () => {
    const { config, logger } = keyTestSetup({
      APP_ENV: "production",
      ...PRODUCTION_WEBAUTHN,
      JWT_PRIVATE_KEY_FILE: "/nonexistent/jwt.pem",
    });
    await assert.rejects(loadSigningKeys(config, logger, manualClock()), {
      message: "JWT_PRIVATE_KEY_FILE: cannot read /nonexistent/jwt.pem (ENOENT)",
    });
    const dir = tempDataDir();
    const keyFile = join(dir, "jwt.pem");
    writeFileSync(keyFile, pem("ec").privatePem);
    const mismatch = keyTestSetup({ APP_ENV: "production", ...PRODUCTION_WEBAUTHN, JWT_PRIVATE_KEY_FILE: keyFile });
    await assert.rejects(loadSigningKeys(mismatch.config, mismatch.logger, manualClock()), (error: Error) => {
      assert.match(error.message, /JWT_ALG is RS256 but JWT_PRIVATE_KEY_FILE .* holds a ES256 key/);
      assert.doesNotMatch(error.message, /PRIVATE KEY-----/);
      return true;
    });
  });

  it("a private key listed in JWT_PREVIOUS_PUBLIC_KEYS is refused", async () => {
    const key = pem("rsa");
    const { config, logger } = keyTestSetup({
      APP_ENV: "production",
      ...PRODUCTION_WEBAUTHN,
      JWT_PRIVATE_KEY: key.privatePem,
      JWT_PREVIOUS_PUBLIC_KEYS: key.privatePem,
    });
    await assert.rejects(loadSigningKeys(config, logger, manualClock()), (error: Error) => {
      assert.match(error.message, /is a private key; list public keys only/);
      assert.doesNotMatch(error.message, /MII/);
      return true;
    });
    // The derived public key of the active key is accepted in the list (deduplicated).
    const same = keyTestSetup({
      APP_ENV: "production",
      ...PRODUCTION_WEBAUTHN,
      JWT_PRIVATE_KEY: key.privatePem,
      JWT_PREVIOUS_PUBLIC_KEYS: createPublicKey(key.privatePem).export({ type: "spki", format: "pem" }) as string,
    });
    const keys = await loadSigningKeys(same.config, same.logger, manualClock());
    assert.equal(keys.jwks().keys.length, 1);
    keys.close();
  });
});
