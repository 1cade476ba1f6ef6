import { randomBytes } from "node:crypto";
import { createOrPromoteAdmin, createPasswordHasher } from "../../modules/identity/index.ts";
import { systemClock } from "../../platform/clock.ts";
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

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
