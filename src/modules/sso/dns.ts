import { Resolver } from "node:dns/promises";
import type { SsoSettings } from "./service.ts";
import { VERIFY_LABEL } from "./view.ts";

export type TxtLookup = "found" | "absent" | "unavailable";

/**
 * Whether `_rampart-verify.<domain>` holds `token` among its TXT strings. "absent" is a
 * definite answer (no such name, no such record, or other values only); "unavailable" is a
 * resolver failure (timeout, SERVFAIL): the periodic recheck never un-verifies a domain on that.
 */
export async function lookupVerificationRecord(
  settings: Pick<SsoSettings, "dnsServers" | "dnsTimeoutMs">,
  domain: string,
  token: string,
): Promise<TxtLookup> {
  const resolver = new Resolver({ timeout: settings.dnsTimeoutMs, tries: 2 });
  if (settings.dnsServers.length > 0) resolver.setServers([...settings.dnsServers]);
  try {
    const records = await resolver.resolveTxt(`${VERIFY_LABEL}.${domain}`);
    // A long TXT value may come split in several strings: they are one value joined.
    return records.some((parts) => parts.join("").trim() === token) ? "found" : "absent";
  } catch (error) {
    const code = (error as { code?: string }).code;
    return code === "ENOTFOUND" || code === "ENODATA" ? "absent" : "unavailable";
  }
}
