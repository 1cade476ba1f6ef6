import { openDatabase } from "../../platform/db/connect.ts";
import { loadMigrations, migrateDown, migrateUp, migrationStatus } from "../../platform/db/migrator.ts";
import { createLogger } from "../../platform/logging/logger.ts";
import type { CliCommand, CliIo } from "../command.ts";
import { UsageError } from "../command.ts";
import { loadConfigForCli } from "../config-for-cli.ts";

/** Runs `work` against the configured database, always closing it. */
async function withDatabase(io: CliIo, work: (handle: ReturnType<typeof openDatabase>) => Promise<number>) {
  const config = loadConfigForCli(io);
  if (!config) return 78;
  const handle = openDatabase(config, createLogger({ ...config, LOG_LEVEL: "warn" }));
  try {
    return await work(handle);
  } catch (error) {
    io.stderr.write(`rampart: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await handle.close();
  }
}

export const migrateUpCommand: CliCommand = {
  name: "migrate up",
  summary: "Apply every pending migration",
  run: (_args, io) =>
    withDatabase(io, async (handle) => {
      const applied = await migrateUp(handle, await loadMigrations());
      io.stdout.write(applied.length ? applied.map((n) => `applied ${n}\n`).join("") : "nothing to apply\n");
      return 0;
    }),
};

export const migrateDownCommand: CliCommand = {
  name: "migrate down",
  summary: "Revert the latest migration (refused in production without --force)",
  usage: "rampart migrate down [--steps N] [--force]",
  options: { steps: { type: "string", default: "1" }, force: { type: "boolean", default: false } },
  async run(args, io) {
    const steps = Number(args.values.steps);
    if (!Number.isInteger(steps) || steps < 1) throw new UsageError("--steps must be a positive integer");
    const config = loadConfigForCli(io);
    if (!config) return 78;
    if (config.APP_ENV === "production" && args.values.force !== true) {
      io.stderr.write("rampart: migrate down destroys data; in production it needs --force\n");
      return 1;
    }
    return withDatabase(io, async (handle) => {
      const reverted = await migrateDown(handle, await loadMigrations(), steps);
      io.stdout.write(reverted.length ? reverted.map((n) => `reverted ${n}\n`).join("") : "nothing to revert\n");
      return 0;
    });
  },
};

export const migrateStatusCommand: CliCommand = {
  name: "migrate status",
  summary: "List migrations: applied, pending, changed or missing",
  run: (_args, io) =>
    withDatabase(io, async (handle) => {
      const statuses = await migrationStatus(handle, await loadMigrations());
      if (statuses.length === 0) io.stdout.write("no migrations\n");
      for (const s of statuses)
        io.stdout.write(`${s.state.padEnd(8)} ${s.name}${s.appliedAt ? `  (${s.appliedAt})` : ""}\n`);
      return statuses.some((s) => s.state === "changed" || s.state === "missing") ? 1 : 0;
    }),
};
