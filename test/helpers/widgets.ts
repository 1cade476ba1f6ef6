import type { Kysely } from "kysely";
import type { DatabaseHandle } from "../../src/platform/db/connect.ts";
import { loadMigrations, type Migration } from "../../src/platform/db/migrator.ts";

/** The fixture schema of test/fixtures/migrations: a generic table pair for data-layer tests. */
export interface WidgetSchema {
  widgets: { id: string; name: string; data: unknown; created_at: string };
  parts: { id: string; widget_id: string };
}

export const FIXTURE_MIGRATIONS_DIR = new URL("../fixtures/migrations/", import.meta.url).pathname;

export function fixtureMigrations(): Promise<Migration[]> {
  return loadMigrations(FIXTURE_MIGRATIONS_DIR);
}

export function widgetsDb(handle: DatabaseHandle): Kysely<WidgetSchema> {
  return handle.db as unknown as Kysely<WidgetSchema>;
}
