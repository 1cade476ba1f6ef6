import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEndpoint, type WebhooksDeps } from "../../../src/modules/webhooks/service.ts";
import { newWebhookSecret } from "../../../src/modules/webhooks/signature.ts";
import type { TenantAccess, UserActor } from "../../../src/platform/access/actor.ts";
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

  it("production without ENCRYPTION_KEY creates no endpoint (409 webhook.encryption_key_missing)", async () => {
    const deps = {
      settings: { production: true },
      sealer: secretSealer(undefined, "webhook-secrets"),
    } as unknown as WebhooksDeps;
    const tenant = { companyId: "0190a0a0-0000-7000-8000-000000000001" } as TenantAccess;
    const actor = { kind: "user", userId: "0190a0a0-0000-7000-8000-000000000002" } as UserActor;
    await assert.rejects(
      createEndpoint(
        deps,
        tenant,
        actor,
        { url: "https://hooks.example.com/x", eventTypes: ["*"] },
        {
          actorType: "user",
          actorId: actor.userId,
        },
      ),
      (error: { status: number; code: string }) =>
        error.status === 409 && error.code === "webhook.encryption_key_missing",
    );
  });
});
