import { Type } from "@sinclair/typebox";
import type { SettingGroup } from "../setting.ts";

export const mailSettings = {
  SMTP_URL: {
    schema: Type.String({ pattern: "^smtps?://.+", description: "an smtp:// or smtps:// URL" }),
    description:
      "SMTP server for outgoing mail, e.g. smtps://user:pass@smtp.example.com:465. Unset: every message is written as an .eml file under <DATA_DIR>/outbox.",
    example: "smtp://user:change-me@127.0.0.1:587",
    secret: true,
  },
  MAIL_FROM: {
    schema: Type.String({ minLength: 3 }),
    default: "Rampart <no-reply@localhost>",
    description: "Sender (From header) of every message Rampart sends.",
    example: "Rampart <no-reply@example.com>",
  },
  PUBLIC_APP_URL: {
    schema: Type.String({ pattern: "^https?://[^\\s]+$", description: "an http:// or https:// URL" }),
    default: "http://localhost:3000",
    description:
      "Base URL of the web app that users open from mails; links such as <PUBLIC_APP_URL>/verify-email?token=… start with it.",
    example: "https://app.example.com",
  },
  MAIL_RETRY_ATTEMPTS: {
    schema: Type.Integer({ minimum: 1, maximum: 20 }),
    default: "5",
    description:
      "Delivery attempts per message over SMTP before it is set aside under <DATA_DIR>/outbox/failed (logged at error).",
    example: "5",
  },
  MAIL_RETRY_DELAY_MS: {
    schema: Type.Integer({ minimum: 1 }),
    default: "2000",
    description: "Wait before the first SMTP retry; each further retry waits twice as long (capped at one minute).",
    example: "2000",
  },
  SMTP_TIMEOUT_MS: {
    schema: Type.Integer({ minimum: 100 }),
    default: "5000",
    description:
      "Upper bound of each SMTP phase: TCP connect, the server's greeting, and any silence on the socket afterwards.",
    example: "5000",
  },
} satisfies SettingGroup;
