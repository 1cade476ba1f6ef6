import { pruneAuditEvents, streamOf, verifyAuditChains } from "../../modules/audit/index.ts";
import { allCompanyIds } from "../../modules/companies/index.ts";
import { systemClock } from "../../platform/clock.ts";
import { type DatabaseHandle, openDatabase } from "../../platform/db/connect.ts";
import { createLogger } from "../../platform/logging/logger.ts";
import type { CliCommand, CliIo } from "../command.ts";
import { loadConfigForCli } from "../config-for-cli.ts";

/** Verifies every stream, requiring the platform's and one per company, and prints the breaks and a summary. */
export async function verifyAndReport(db: DatabaseHandle["db"], io: CliIo): Promise<boolean> {
  const required = ["platform", ...(await allCompanyIds(db)).map(streamOf)];
  const report = await verifyAuditChains(db, required);
  for (const b of report.broken)
    io.stdout.write(
      `BROKEN ${b.stream}: ${b.eventId ? `event ${b.eventId}` : "end of chain"} (seq ${b.seq}): ${b.reason}\n`,
    );
  const intact = report.streams.length - report.broken.length;
  io.stdout.write(
    `${report.broken.length === 0 ? "ok" : "FAILED"}: ${intact} of ${report.streams.length} streams intact, ${report.events} events verified\n`,
  );
  return report.broken.length === 0;
}

export const auditVerifyCommand: CliCommand = {
  name: "audit verify",
  summary:
    "Check every audit stream's hash chain (the platform's and one per company must exist); exit 1 naming the first broken event of each broken stream",
  async run(_args, io) {
    const config = loadConfigForCli(io);
    if (!config) return 78;
    const handle = openDatabase(config, createLogger({ ...config, LOG_LEVEL: "warn" }));
    try {
      return (await verifyAndReport(handle.db, io)) ? 0 : 1;
    } catch (error) {
      io.stderr.write(`rampart: ${(error as Error).message}\n`);
      return 1;
    } finally {
      await handle.close();
    }
  },
};

export const auditPruneCommand: CliCommand = {
  name: "audit prune",
  summary: "Delete audit events older than AUDIT_RETENTION_DAYS, keeping every chain verifiable",
  async run(_args, io) {
    const config = loadConfigForCli(io);
    if (!config) return 78;
    if (config.AUDIT_RETENTION_DAYS === undefined) {
      io.stdout.write("AUDIT_RETENTION_DAYS is not set: audit events are kept forever; nothing pruned\n");
      return 0;
    }
    const handle = openDatabase(config, createLogger({ ...config, LOG_LEVEL: "warn" }));
    try {
      const report = await pruneAuditEvents(handle.db, systemClock, config.AUDIT_RETENTION_DAYS);
      io.stdout.write(`pruned ${report.deleted} audit events older than ${report.cutoff}\n`);
      for (const b of report.skipped)
        io.stderr.write(`skipped ${b.stream}: chain broken at seq ${b.seq} (${b.reason}); run rampart audit verify\n`);
      return report.skipped.length === 0 ? 0 : 1;
    } catch (error) {
      io.stderr.write(`rampart: ${(error as Error).message}\n`);
      return 1;
    } finally {
      await handle.close();
    }
  },
};
