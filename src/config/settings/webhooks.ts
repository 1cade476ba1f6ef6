import { Type } from "@sinclair/typebox";
import type { ConfigRule, SettingGroup } from "../setting.ts";

/** Outgoing webhooks (docs/webhooks.md); their secrets are sealed with ENCRYPTION_KEY (encryption.ts). */
export const webhooksSettings = {
  WEBHOOKS_ALLOW_PRIVATE: {
    schema: Type.Boolean(),
    default: "false",
    description:
      "Let webhook endpoints resolve to loopback, private, link-local or metadata addresses (tests and local development only).",
    example: "false",
  },
  WEBHOOKS_TIMEOUT_MS: {
    schema: Type.Integer({ minimum: 100, maximum: 60_000 }),
    default: "10000",
    description: "Upper bound of one delivery attempt: connect, send and the receiver's answer.",
    example: "10000",
  },
  WEBHOOKS_RETRY_BASE_MS: {
    schema: Type.Integer({ minimum: 1 }),
    default: "5000",
    description:
      "Wait before the first retry of a failed delivery; each further retry waits twice as long (plus up to 20% jitter), capped by WEBHOOKS_RETRY_MAX_DELAY_MS.",
    example: "5000",
  },
  WEBHOOKS_RETRY_MAX_DELAY_MS: {
    schema: Type.Integer({ minimum: 1 }),
    default: "21600000",
    description: "Longest wait between two attempts of one delivery (6 h), Retry-After included.",
    example: "21600000",
  },
  WEBHOOKS_RETRY_WINDOW_MS: {
    schema: Type.Integer({ minimum: 1 }),
    default: "259200000",
    description: "How long a message is retried (3 days) before it is marked failed.",
    example: "259200000",
  },
  WEBHOOKS_DISABLE_AFTER_FAILURES: {
    schema: Type.Integer({ minimum: 1 }),
    default: "5",
    description: "Consecutive failed messages after which an endpoint is disabled (with an audit event).",
    example: "5",
  },
  WEBHOOKS_SECRET_OVERLAP_MS: {
    schema: Type.Integer({ minimum: 0 }),
    default: "86400000",
    description: "After a secret rotation, how long the previous secret keeps signing beside the new one (24 h).",
    example: "86400000",
  },
  WEBHOOKS_POLL_MS: {
    schema: Type.Integer({ minimum: 10 }),
    default: "1000",
    description: "How often each instance's delivery worker looks for due messages.",
    example: "1000",
  },
  WEBHOOKS_LEASE_MS: {
    schema: Type.Integer({ minimum: 1000 }),
    default: "60000",
    description:
      "How long an instance holds a message it is delivering; a crashed instance's messages are picked up after it. Must exceed WEBHOOKS_TIMEOUT_MS.",
    example: "60000",
  },
} satisfies SettingGroup;

export const webhooksRules: ConfigRule[] = [
  (c) =>
    Number(c.WEBHOOKS_LEASE_MS) <= Number(c.WEBHOOKS_TIMEOUT_MS)
      ? [
          {
            name: "WEBHOOKS_LEASE_MS",
            message:
              "must exceed WEBHOOKS_TIMEOUT_MS (a lease shorter than an attempt lets two instances deliver one message)",
            example: "60000",
          },
        ]
      : [],
];
