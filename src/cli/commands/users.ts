import { randomBytes } from "node:crypto";
import { systemActor } from "../../modules/audit/index.ts";
import {
  createOrPromoteAdmin,
  createPasswordHasher,
  findUserIdByEmail,
  resetUserFactors,
} from "../../modules/identity/index.ts";
import { systemClock } from "../../platform/clock.ts";
import { createLogger } from "../../platform/logging/logger.ts";
import { createMailer } from "../../platform/mail/mailer.ts";
import type { CliCommand } from "../command.ts";
import { UsageError } from "../command.ts";
import { withDatabase } from "../with-database.ts";

export const usersCreateAdminCommand: CliCommand = {
  name: "users create-admin",
  summary:
    "Make the verified account with this email a platform admin (its sessions are revoked), or create it (verified) when there is none",
  usage: "rampart users create-admin --email <address> [--name <name>] [--password-stdin]",
  options: {
    email: { type: "string" },
    name: { type: "string" },
    "password-stdin": { type: "boolean", default: false },
  },
  async run(args, io) {
    const email = args.values.email;
    if (typeof email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(email)) {
      throw new UsageError("--email <address> is required");
    }
    const fromStdin = args.values["password-stdin"] === true;
    // A new account needs a password: read from stdin (kept out of shell history), or generated and shown once.
    const password = fromStdin ? (await readStdin()).replace(/\r?\n$/, "") : randomBytes(18).toString("base64url");
    const name = typeof args.values.name === "string" ? args.values.name : undefined;
    return withDatabase(io, async (handle) => {
      const result = await createOrPromoteAdmin(
        { database: handle, clock: systemClock, passwords: createPasswordHasher() },
        { email, name, password, passwordFromOperator: fromStdin },
      );
      if (result.outcome === "refused") {
        io.stderr.write(`rampart: refused: ${result.reason}\n`);
        return 1;
      }
      if (result.outcome === "promoted") {
        io.stdout.write(
          `${email} is now a platform admin (existing account ${result.userId}; ${result.sessionsRevoked} session(s) revoked: sign in again)\n`,
        );
      } else {
        io.stdout.write(`created platform admin ${email} (${result.userId})\n`);
        if (!fromStdin) io.stdout.write(`password (shown once; change it after signing in): ${password}\n`);
      }
      return 0;
    });
  },
};

/**
 * The way back in for an operator whose only platform admin lost both the authenticator and
 * the recovery codes (with PLATFORM_ADMIN_REQUIRE_MFA no admin endpoint would answer them):
 * the same reset as POST /admin/users/{id}/reset-factors, recorded as system `cli`, mailed
 * through the mail queue (sent at once when possible, else by the server).
 */
export const usersResetFactorsCommand: CliCommand = {
  name: "users reset-factors",
  summary:
    "Remove the second factors and recovery codes of the account with this email (a lost device); the owner is mailed",
  usage: "rampart users reset-factors --email <address>",
  options: { email: { type: "string" } },
  async run(args, io) {
    const email = args.values.email;
    if (typeof email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(email)) {
      throw new UsageError("--email <address> is required");
    }
    return withDatabase(io, async (handle, config) => {
      const userId = await findUserIdByEmail({ database: handle }, email);
      if (userId === undefined) {
        io.stderr.write(`rampart: no account uses ${email}\n`);
        return 1;
      }
      const mailer = createMailer(config, createLogger({ ...config, LOG_LEVEL: "warn" }), handle);
      let factorsRemoved: number;
      try {
        ({ factorsRemoved } = await resetUserFactors(
          { database: handle, clock: systemClock, config, mailer },
          userId,
          systemActor("cli"),
        ));
        // Queued in the database; sent now if it can be, else by the server's mail worker.
        await mailer.drain(5000);
      } finally {
        await mailer.close();
      }
      io.stdout.write(`${email}: ${factorsRemoved} factor(s) and every recovery code removed; the owner is mailed\n`);
      return 0;
    });
  },
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
