import type { ReadinessCheck } from "../health/readiness.ts";
import type { DatabaseHandle } from "./connect.ts";
import { migrationNames, pendingMigrationNames } from "./migrator.ts";

/**
 * Readiness of the schema, apart from the database's reachability (databaseReadinessCheck):
 * a database restored from an old backup, a `migrate down`, or a rolling deploy whose
 * migrations are not applied yet leaves code running on a schema it does not know, and
 * requests fail one by one. Required unless SERVE_PENDING_MIGRATIONS says this release
 * works on the older schema; then a behind schema reports degraded.
 */
export function schemaReadinessCheck(
  handle: DatabaseHandle,
  { required, expected = migrationNames() }: { required: boolean; expected?: readonly string[] },
): ReadinessCheck {
  return {
    name: "schema",
    required,
    async check() {
      const pending = await pendingMigrationNames(handle, expected);
      if (pending.length > 0)
        throw new Error(
          `${pending.length} migration${pending.length === 1 ? "" : "s"} pending (${pending.join(", ")}): run rampart migrate up`,
        );
    },
  };
}
