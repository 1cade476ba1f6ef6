import { createRequire } from "node:module";
import type * as KyselyModule from "kysely";

/**
 * Kysely's runtime values, from its CommonJS build. Its ESM build is ~260 modules, and
 * Node links an ES module graph at about twice the CPU of the same files through require:
 * loaded at every start, that was the largest single package cost of start to ready
 * (issue #21; docs/benchmarks.md). Types still come from "kysely" (`import type`), and
 * migrations/ keep importing "kysely" (their checksums are their bytes): Kysely recognises
 * the nodes of either build by shape, so a migration's `sql` works with this build's db.
 * Everything in src/ takes its values from here, so a server loads one copy.
 */
const kysely = createRequire(import.meta.url)("kysely") as typeof KyselyModule;

export const { sql, CompiledQuery, PostgresAdapter, PostgresDialect, SqliteDialect, SqliteDriver } = kysely;
export type CompiledQuery<O = unknown> = KyselyModule.CompiledQuery<O>;
export type PostgresAdapter = KyselyModule.PostgresAdapter;
export type SqliteDriver = KyselyModule.SqliteDriver;
export const Kysely = kysely.Kysely;
export type Kysely<DB> = KyselyModule.Kysely<DB>;
