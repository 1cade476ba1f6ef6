import assert from "node:assert/strict";
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { encryptionKeyId, secretSealer } from "../../../src/platform/crypto/secret-sealer.ts";

const OLD = "an-old-encryption-key-of-at-least-32-characters";
const NEW = "a-new-encryption-key-of-at-least-32-characters!";

describe("secret sealer", () => {
  it("seals with the newest key and opens with any configured one (rotation)", () => {
    const before = secretSealer([OLD], "totp-secrets").seal("JBSWY3DPEHPK3PXP");
    const rotated = secretSealer([NEW, OLD], "totp-secrets");
    assert.equal(rotated.unseal(before), "JBSWY3DPEHPK3PXP");
    assert.equal(rotated.isCurrent(before), false, "sealed under the old key: a rotation pass re-seals it");
    const after = rotated.seal("JBSWY3DPEHPK3PXP");
    assert.ok(after.startsWith(`${encryptionKeyId(NEW)}:`));
    assert.equal(rotated.isCurrent(after), true);
    assert.throws(() => secretSealer([OLD], "totp-secrets").unseal(after), "the old key alone cannot open it");
  });

  it("keeps purposes apart: a TOTP seed never opens as a webhook secret", () => {
    const sealed = secretSealer([OLD], "totp-secrets").seal("seed");
    assert.throws(() => secretSealer([OLD], "webhook-secrets").unseal(sealed));
  });

  it("refuses a tampered value and names no key or secret in its error", () => {
    const sealer = secretSealer([OLD], "webhook-secrets");
    const sealed = sealer.seal("whsec_secret");
    const body = Buffer.from(sealed.slice(sealed.indexOf(":") + 1), "base64");
    body[body.length - 1] = (body.at(-1) ?? 0) ^ 1;
    const tampered = `${sealed.slice(0, sealed.indexOf(":"))}:${body.toString("base64")}`;
    assert.throws(
      () => sealer.unseal(tampered),
      (error: Error) => !error.message.includes(OLD) && !error.message.includes("whsec_secret"),
    );
  });

  it("opens values sealed before keys had ids (`k1:`), and development values (`dev:`)", () => {
    // The format webhook secrets were stored in before rotation existed.
    const key = createHash("sha256").update(`rampart-webhook-secrets\u0000${OLD}`).digest();
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    const body = Buffer.concat([cipher.update("whsec_legacy", "utf8"), cipher.final()]);
    const legacy = `k1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
    assert.equal(secretSealer([NEW, OLD], "webhook-secrets").unseal(legacy), "whsec_legacy");
    const dev = secretSealer(undefined, "webhook-secrets");
    assert.equal(dev.configured, false);
    assert.ok(dev.seal("x").startsWith("dev:"));
    assert.equal(dev.unseal(dev.seal("x")), "x");
  });
});
