import type { ColumnDataType, Expression } from "kysely";
import { sql } from "./kysely.ts";

export type Engine = "sqlite" | "postgres";

/** The few column types that differ between the engines, for migrations written once. */
export interface ColumnTypes {
  readonly id: ColumnDataType | Expression<unknown>;
  readonly timestamp: ColumnDataType | Expression<unknown>;
  readonly json: ColumnDataType | Expression<unknown>;
  readonly text: ColumnDataType;
  readonly integer: ColumnDataType;
  readonly bigint: ColumnDataType;
}

export function columnTypes(engine: Engine): ColumnTypes {
  return engine === "postgres"
    ? { id: "uuid", timestamp: sql`timestamptz`, json: "jsonb", text: "text", integer: "integer", bigint: "bigint" }
    : { id: "text", timestamp: "text", json: "text", text: "text", integer: "integer", bigint: "integer" };
}

/** JSON columns come back parsed from PostgreSQL (jsonb) and as text from SQLite. */
export function parseJson<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

/** Counts come back as strings (bigint) from PostgreSQL and numbers from SQLite. */
export function toCount(value: unknown): number {
  return Number(value ?? 0);
}
