import type { Ajv } from "ajv";
import { isUuid } from "../db/ids.ts";
import { strictDateTimeFormat } from "./date-time.ts";

/**
 * The app's Ajv formats, stricter than ajv-formats where a value the schema accepted would
 * otherwise fail later (issue #20): a date-time must be a storable instant (date-time.ts),
 * and a UUID must be in the one form Rampart issues and compares, lower case — an upper-case
 * id is a 422 naming the field, never "valid" and then a 404. Installed after ajv-formats.
 */
export function installStrictFormats(ajv: Ajv): void {
  strictDateTimeFormat(ajv);
  ajv.addFormat("uuid", { type: "string", validate: isUuid });
}
