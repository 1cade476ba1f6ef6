import type { Config } from "../../config/settings/index.ts";
import { keysDirectory } from "../../config/values/keys-directory.ts";
import { addKey, readKeyDirectory, removeKey } from "../../platform/auth/keyset-store.ts";
import { retirementSchedule } from "../../platform/auth/signing-keys.ts";
import { systemClock } from "../../platform/clock.ts";
import { createLogger } from "../../platform/logging/logger.ts";
import type { CliCommand, CliIo } from "../command.ts";
import { loadConfigForCli } from "../config-for-cli.ts";

/**
 * The key directory is used only when no key comes from the environment; otherwise say how
 * to rotate instead. Returns the exit code when the command cannot go on: 78 for an invalid
 * configuration, 1 when the keys are not the directory's.
 */
function directoryConfig(io: CliIo): Config | number {
  const config = loadConfigForCli(io);
  if (!config) return 78;
  if (config.JWT_PRIVATE_KEY !== undefined || config.JWT_PRIVATE_KEY_FILE !== undefined) {
    io.stderr.write(
      "rampart: signing keys come from JWT_PRIVATE_KEY(_FILE); rotate them by deploying a new key with the old public key in JWT_PREVIOUS_PUBLIC_KEYS (docs/security-keys.md)\n",
    );
    return 1;
  }
  return config;
}

/** A broken key file or an unwritable directory is reported in one line, not a stack trace. */
async function reportingErrors(io: CliIo, work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (error) {
    io.stderr.write(`rampart: ${(error as Error).message}\n`);
    return 1;
  }
}

export const keysRotateCommand: CliCommand = {
  name: "keys rotate",
  summary: "Add a new active signing key to <DATA_DIR>/keys; older keys stay published until their tokens expire",
  async run(_args, io) {
    const config = directoryConfig(io);
    if (typeof config === "number") return config;
    const dir = keysDirectory(config.DATA_DIR);
    const logger = createLogger({ ...config, LOG_LEVEL: "warn" });
    const now = systemClock.now();
    return reportingErrors(io, async () => {
      const added = await addKey(dir, config.JWT_ALG, now, logger);
      io.stdout.write(`new active key ${added.kid} (${added.alg})\n`);
      for (const { key, state, publishedUntil } of retirementSchedule(await readKeyDirectory(dir), config, now)) {
        if (state === "retired")
          io.stdout.write(`retired ${key.kid}: published until ${publishedUntil?.toISOString()}\n`);
        if (state === "expired") {
          // No token it signed can still be valid, and no instance publishes it any more.
          await removeKey(dir, key.kid);
          io.stdout.write(`removed expired key ${key.kid}\n`);
        }
      }
      io.stdout.write(
        `running instances switch to it within JWT_KEYS_RELOAD_INTERVAL_S (${config.JWT_KEYS_RELOAD_INTERVAL_S} s)\n`,
      );
      return 0;
    });
  },
};

export const keysListCommand: CliCommand = {
  name: "keys list",
  summary: "List the signing keys of <DATA_DIR>/keys: active, retired (still published) or expired",
  async run(_args, io) {
    const config = directoryConfig(io);
    if (typeof config === "number") return config;
    return reportingErrors(io, async () => {
      const now = systemClock.now();
      const schedule = retirementSchedule(await readKeyDirectory(keysDirectory(config.DATA_DIR)), config, now);
      if (schedule.length === 0) io.stdout.write("no keys (the server generates one on first start)\n");
      for (const { key, state, publishedUntil } of schedule.reverse()) {
        const until = publishedUntil ? `  published until ${publishedUntil.toISOString()}` : "";
        io.stdout.write(
          `${state.padEnd(8)} ${key.kid}  ${key.alg.padEnd(5)}  created ${key.createdAt.toISOString()}${until}\n`,
        );
      }
      return 0;
    });
  },
};
