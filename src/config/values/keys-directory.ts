import { join } from "node:path";

/** Where the signing keys live by default: `keys/` under DATA_DIR. */
export function keysDirectory(dataDir: string): string {
  return join(dataDir, "keys");
}
