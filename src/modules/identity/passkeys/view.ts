import { parseJson } from "../../../platform/db/dialect.ts";
import { knownTransports } from "./credential-json.ts";
import type { PasskeysTable } from "./tables.ts";

/** A passkey as its owner sees it: never the key or the credential id. */
export interface PasskeyView {
  id: string;
  name: string;
  /** `multiDevice`: a synced passkey (backed up to a cloud keychain); `singleDevice`: bound to one authenticator. */
  deviceType: "singleDevice" | "multiDevice";
  transports: string[];
  createdAt: string;
  lastUsedAt: string | null;
}

export function transportsOf(row: Pick<PasskeysTable, "transports">) {
  return knownTransports(parseJson<unknown[]>(row.transports));
}

export function toPasskeyView(row: PasskeysTable): PasskeyView {
  return {
    id: row.id,
    name: row.name,
    deviceType: row.device_type === "multiDevice" ? "multiDevice" : "singleDevice",
    transports: transportsOf(row),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}
