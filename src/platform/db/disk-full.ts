import type { AppError } from "../errors/app-error.ts";
import type { ReadinessCheck } from "../health/readiness.ts";
import type { Logger } from "../logging/logger.ts";
import type { DatabaseHandle } from "./connect.ts";
import { diskFullProblem, isDiskFull } from "./errors.ts";
import { sql } from "./kysely.ts";

/** What the readiness probe writes: one platform_state row nothing else reads. */
const PROBE_KEY = "readiness:disk_probe";

export interface DiskFullMonitor {
  /** For the error handler: a disk-full error becomes the 503 problem and marks the database full. */
  translate(error: unknown): AppError | undefined;
  /** Required readiness check `database_disk`: failed from the first disk-full error until a write succeeds again. */
  readonly readinessCheck: ReadinessCheck;
  isFull(): boolean;
}

/**
 * Tracks whether the database has run out of space. The first disk-full error logs one
 * line saying so (not one per failed request) and makes the instance not ready; while it
 * is, each readiness check tries a small committed write, and the first that succeeds
 * makes it ready again and logs that too. A write that fails for space changes nothing
 * stored: SQLite and PostgreSQL both roll the whole transaction back.
 */
export function createDiskFullMonitor(handle: DatabaseHandle, logger: Logger): DiskFullMonitor {
  let fullSince: string | undefined;

  async function probe(): Promise<void> {
    if (handle.engine === "sqlite") {
      // A page limit (PRAGMA max_page_count) fills the database without filling the disk.
      const pages = await sql<{
        n: number;
      }>`select (select page_count from pragma_page_count()) - (select max_page_count from pragma_max_page_count()) + (select freelist_count from pragma_freelist_count()) as n`.execute(
        handle.db,
      );
      if (Number(pages.rows[0]?.n ?? -1) >= 0) throw new Error("disk full: the database is at its page limit");
    }
    const now = new Date().toISOString();
    await handle.db
      .insertInto("platform_state")
      .values({ key: PROBE_KEY, value: JSON.stringify({ at: now }), updated_at: now, updated_by: "readiness" })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value: JSON.stringify({ at: now }), updated_at: now }))
      .execute();
  }

  return {
    translate(error) {
      if (!isDiskFull(error)) return undefined;
      if (fullSince === undefined) {
        fullSince = new Date().toISOString();
        logger.error(
          { err: error },
          "database disk full: writes fail and the instance is not ready until space is freed",
        );
      }
      return diskFullProblem();
    },
    isFull: () => fullSince !== undefined,
    readinessCheck: {
      name: "database_disk",
      required: true,
      async check() {
        if (fullSince === undefined) return;
        try {
          await probe();
        } catch (error) {
          throw new Error(
            isDiskFull(error) || (error as Error).message.startsWith("disk full")
              ? `disk full since ${fullSince}: writes fail`
              : `disk full since ${fullSince}; the write probe failed: ${(error as Error).message}`,
          );
        }
        logger.warn({ fullSince }, "database disk writable again: a write succeeded");
        fullSince = undefined;
      },
    },
  };
}
