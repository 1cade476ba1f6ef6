import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newWebhookSecret } from "../../../src/modules/webhooks/signature.ts";
import { secretSealer } from "../../../src/platform/crypto/secret-sealer.ts";

describe("webhook signing secrets at rest", () => {
  it("are sealed: the stored form holds no trace of the secret and opens only with the same ENCRYPTION_KEY", () => {
    const secret = newWebhookSecret();
    const key = "an-encryption-key-of-at-least-32-characters";
    const sealed = secretSealer([key], "webhook-secrets").seal(secret);
    assert.ok(!sealed.includes(secret.slice(6)), "not in the sealed text");
    assert.equal(secretSealer([key], "webhook-secrets").unseal(sealed), secret);
    assert.throws(() => secretSealer([`${key}-other`], "webhook-secrets").unseal(sealed));
    assert.notEqual(secretSealer([key], "webhook-secrets").seal(secret), sealed, "a fresh nonce each time");
  });
});
