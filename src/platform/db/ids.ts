import { v7 } from "uuid";

/** UUIDv7: time-ordered, so primary-key indexes stay append-mostly and cursors sort by creation. */
export function newId(): string {
  return v7();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Ids arrive in paths and cursors; checked before a query so PostgreSQL never sees a malformed uuid. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
