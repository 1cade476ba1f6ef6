import { readFileSync } from "node:fs";
import { verifySignature } from "../../modules/webhooks/index.ts";
import { type CliCommand, UsageError } from "../command.ts";

const text = (value: unknown, name: string): string => {
  if (typeof value !== "string" || value === "") throw new UsageError(`--${name} is required`);
  return value;
};

/**
 * Checks a received webhook the way a receiver should (Standard Webhooks, v1 HMAC-SHA256):
 * a customer pastes the secret, the raw body and the three webhook-* headers. Exit 0 when a
 * signature matches and the timestamp is within the tolerance, 1 otherwise.
 */
export const webhooksVerifyCommand: CliCommand = {
  name: "webhooks verify",
  summary: "Check a webhook's signature: exit 0 when it verifies",
  usage:
    "rampart webhooks verify --secret whsec_… --payload '<raw body>' | --payload-file body.json --id msg_… --timestamp <unix s> --signature 'v1,…' [--tolerance 300]",
  options: {
    secret: { type: "string" },
    payload: { type: "string" },
    "payload-file": { type: "string" },
    id: { type: "string" },
    timestamp: { type: "string" },
    signature: { type: "string" },
    tolerance: { type: "string" },
  },
  async run(args, io) {
    const { values } = args;
    const body =
      typeof values["payload-file"] === "string"
        ? readFileSync(values["payload-file"], "utf8")
        : text(values.payload, "payload");
    const tolerance = values.tolerance === undefined ? 300 : Number(values.tolerance);
    if (!Number.isFinite(tolerance) || tolerance < 0) throw new UsageError("--tolerance is a number of seconds");
    const result = verifySignature(
      text(values.secret, "secret"),
      {
        id: text(values.id, "id"),
        timestamp: text(values.timestamp, "timestamp"),
        signature: text(values.signature, "signature"),
        body,
      },
      { toleranceS: tolerance },
    );
    if (result.ok) {
      io.stdout.write("valid: the signature matches the secret\n");
      return 0;
    }
    io.stderr.write(`invalid: ${result.reason}\n`);
    return 1;
  },
};
