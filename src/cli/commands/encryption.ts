import { encryptionKeys } from "../../config/values/encryption-keys.ts";
import { sealedColumns } from "../../modules/sealed-columns.ts";
import { resealColumns } from "../../platform/crypto/sealed-columns.ts";
import { type CliCommand, UsageError } from "../command.ts";
import { withDatabase } from "../with-database.ts";

/**
 * The second half of an ENCRYPTION_KEY rotation (docs/security.md, "Secrets at rest"): with the
 * new key in ENCRYPTION_KEY and the old ones in ENCRYPTION_KEYS_PREVIOUS, re-seal every sealed
 * value under the new key, so the old keys can be dropped. Safe to run again (and while
 * instances run: each write is conditional on the value read). Exit 1 when some value opens
 * with no configured key: the others are still re-sealed, and the count says where.
 */
export const keysRotateEncryptionCommand: CliCommand = {
  name: "keys rotate-encryption",
  summary:
    "Re-seal every sealed secret (webhook secrets, TOTP seeds) under ENCRYPTION_KEY; then ENCRYPTION_KEYS_PREVIOUS can be emptied",
  usage: "rampart keys rotate-encryption [--batch-size 500]",
  options: { "batch-size": { type: "string" } },
  async run(args, io) {
    const raw = args.values["batch-size"];
    const batchSize = raw === undefined ? 500 : Number(raw);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError("--batch-size is a positive integer");
    return withDatabase(io, async (handle, config) => {
      const keys = encryptionKeys(config);
      if (keys === undefined) {
        io.stderr.write(
          "rampart: ENCRYPTION_KEY is not set: set the new key there and the old ones in ENCRYPTION_KEYS_PREVIOUS (docs/security.md)\n",
        );
        return 1;
      }
      const counts = await resealColumns(handle.db, keys, sealedColumns, batchSize);
      for (const c of counts) {
        io.stdout.write(
          `${c.column}: ${c.resealed} re-sealed, ${c.current} already under the current key, ${c.unreadable} unreadable, ${c.changedMeanwhile} changed meanwhile (${c.examined} values)\n`,
        );
      }
      const unreadable = counts.filter((c) => c.unreadable > 0);
      if (unreadable.length === 0) {
        io.stdout.write("done: every sealed value is under ENCRYPTION_KEY; ENCRYPTION_KEYS_PREVIOUS may be emptied\n");
        return 0;
      }
      io.stderr.write(
        `rampart: ${unreadable.map((c) => `${c.unreadable} in ${c.column}`).join(", ")} open with no configured key (a key missing from ENCRYPTION_KEYS_PREVIOUS, or tampered values): keep the old keys until they are found\n`,
      );
      return 1;
    });
  },
};
