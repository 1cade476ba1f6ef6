import { isIP } from "node:net";
import type { ConfigProblem } from "../setting.ts";
import { commaList } from "./list.ts";

/** What Fastify's `trustProxy` accepts: nobody, everybody, the nearest hops, or proxy addresses/CIDRs. */
export type TrustProxy = boolean | string[] | ((address: string, hop: number) => boolean);

// Named ranges understood by proxy-addr (Fastify's resolver).
const NAMED_RANGES = new Set(["loopback", "linklocal", "uniquelocal"]);

function validEntry(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

/** TRUST_PROXY → Fastify's trustProxy. Assumes the value passed `trustProxyProblems`. */
export function parseTrustProxy(value: string): TrustProxy {
  const v = value.trim().toLowerCase();
  if (v === "false") return false;
  if (v === "true") return true;
  if (/^\d+$/.test(v)) {
    // Trust the n nearest hops: X-Forwarded-For is read from the right, n entries deep.
    const hops = Number(v);
    return (_address, hop) => hop < hops;
  }
  return commaList(v);
}

/**
 * Trusting every peer lets any client choose its own IP with X-Forwarded-For (and so
 * escape per-IP rate limits); production must name its proxies or count its hops.
 */
export function trustProxyProblems(value: string, production: boolean): ConfigProblem[] {
  const v = value.trim().toLowerCase();
  const example = "10.0.0.0/8";
  if (v === "true") {
    return production
      ? [
          {
            name: "TRUST_PROXY",
            message: "true (trust every peer) is refused in production: name the proxy CIDRs",
            example,
          },
        ]
      : [];
  }
  if (v === "false" || /^\d+$/.test(v)) return [];
  const invalid = commaList(v).filter((entry) => !validEntry(entry));
  if (invalid.length === 0 && commaList(v).length > 0) return [];
  return [
    {
      name: "TRUST_PROXY",
      message: `must be false, a hop count, or IPs/CIDRs (invalid: ${invalid.join(", ") || "empty"})`,
      example,
    },
  ];
}
