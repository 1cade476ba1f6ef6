import { v7 } from "uuid";

/** UUIDv7: time-ordered, so primary-key indexes stay append-mostly and cursors sort by creation. */
export function newId(): string {
  return v7();
}
