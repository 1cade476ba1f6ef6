import { type StringOptions, Type } from "@sinclair/typebox";
import type { Ajv } from "ajv";

/*
 * One date-time type at the edge (issue #20, finding 4). Every `format: "date-time"` field
 * and query parameter is validated by `isInstant` instead of the format's syntax alone: a
 * value the schema accepted must also be an instant Rampart can store and compare. RFC 3339
 * allows a leap second (23:59:60), which no JavaScript Date can hold, and offsets that push
 * 9999-12-31 into year 10000, which toISOString writes as "+010000-…" and which then sorts
 * before every real timestamp. Both are refused with 422 naming the field; accepted values
 * are normalised by `toInstant` to UTC (`…Z`, milliseconds), the form every stored
 * timestamp has, so stored values compare as instants whether compared as strings or dates.
 */

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/** The range an instant must fall in, inclusive: 1970-01-01T00:00:00Z up to 9999-12-31T23:59:59.999Z. */
export const EARLIEST_INSTANT_MS = Date.UTC(1970, 0, 1);
export const LATEST_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export const DATE_TIME_RULE = "an RFC 3339 date-time with a time zone, between 1970 and 9999 in UTC, no leap second";

/** The instant, or undefined when the value is not a storable RFC 3339 date-time. */
export function parseInstant(value: string): Date | undefined {
  const match = RFC3339.exec(value);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[];
  // The calendar as written must exist (Date would roll 02-30 over to March) — and no leap second.
  const calendar = new Date(Date.UTC(year as number, (month as number) - 1, day as number));
  if (calendar.getUTCMonth() !== (month as number) - 1 || calendar.getUTCDate() !== day) return undefined;
  if ((hour as number) > 23 || (minute as number) > 59 || (second as number) > 59) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || ms < EARLIEST_INSTANT_MS || ms > LATEST_INSTANT_MS) return undefined;
  return new Date(ms);
}

export function isInstant(value: string): boolean {
  return parseInstant(value) !== undefined;
}

/** The UTC form (`2030-06-30T21:59:59.000Z`) of a value the schema already accepted. */
export function toInstant(value: string): string {
  const instant = parseInstant(value);
  if (!instant) throw new RangeError("toInstant is only for validated date-times");
  return instant.toISOString();
}

/** A date-time field or query parameter: validated by `isInstant` through the app's Ajv. */
export function DateTime(options: StringOptions = {}) {
  const description = options.description ? `${options.description}. ` : "";
  return Type.String({ ...options, format: "date-time", description: `${description}Must be ${DATE_TIME_RULE}.` });
}

/** Replaces Ajv's date-time format (syntax only) with `isInstant` (formats.ts installs it). */
export function strictDateTimeFormat(ajv: Ajv): void {
  ajv.addFormat("date-time", { type: "string", validate: isInstant });
}
