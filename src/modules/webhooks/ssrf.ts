import { lookup as dnsLookup } from "node:dns/promises";
import { BlockList, isIP, type LookupFunction } from "node:net";

/**
 * Where a webhook may not go unless WEBHOOKS_ALLOW_PRIVATE=true: the unspecified, loopback,
 * private, shared (CGNAT), link-local (cloud metadata at 169.254.169.254 and fd00:ec2::254),
 * benchmark, documentation, multicast and reserved ranges, in IPv4 and IPv6. IPv4-mapped
 * and NAT64 IPv6 addresses are judged by the IPv4 address they carry.
 */
const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  BLOCKED.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["100::", 64],
  ["2001::", 23],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const) {
  BLOCKED.addSubnet(network, prefix, "ipv6");
}

/** The IPv4 address an IPv6 address embeds (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96), if any. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const high = Number.parseInt(hex[1] as string, 16);
    const low = Number.parseInt(hex[2] as string, 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return undefined;
}

/** True when the address is one a webhook must not reach (see above). Unparseable counts as blocked. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, "ipv4");
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== undefined) return BLOCKED.check(v4, "ipv4");
    // Any other ::ffff:0:0/96 form, and IPv4-compatible ::a.b.c.d.
    if (/^::(ffff:)?[0-9.]+$/i.test(address)) return true;
    return BLOCKED.check(address, "ipv6");
  }
  return true;
}

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

export class TargetRefused extends Error {
  override readonly name = "TargetRefused";
}

/** A URL's scheme and form as an endpoint: http(s), a host, no credentials. Throws TargetRefused. */
export function checkUrlForm(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused("not an absolute URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TargetRefused("only http and https URLs");
  if (url.username !== "" || url.password !== "") throw new TargetRefused("credentials in the URL are not allowed");
  if (url.hostname === "") throw new TargetRefused("no host");
  return url;
}

/** The host part without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * The one address a delivery connects to: the host's own when it is an IP literal, else
 * the first the resolver gives — and every address it gives must be allowed (a host that
 * resolves to one public and one private address is refused, whichever the OS would pick).
 * The caller connects to exactly this address, so the check and the connection cannot see
 * different DNS answers.
 */
export async function resolveTarget(url: URL, allowPrivate: boolean, resolve: Resolver): Promise<ResolvedAddress> {
  const host = hostOf(url);
  const family = isIP(host);
  const addresses: ResolvedAddress[] =
    family === 0 ? await resolve(host) : [{ address: host, family: family === 6 ? 6 : 4 }];
  if (addresses.length === 0) throw new Error(`${host} does not resolve`);
  if (!allowPrivate) {
    const blocked = addresses.find((a) => isBlockedAddress(a.address));
    if (blocked) throw new TargetRefused(`${host} resolves to a non-public address (${blocked.address})`);
  }
  return addresses[0] as ResolvedAddress;
}

/**
 * The socket's DNS lookup, pinned to the checked address: whatever the host name, the
 * connection goes to `target` (both the one-address and the `all: true` forms Node asks for).
 */
export function pinnedLookup(target: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: target.address, family: target.family },
      ]);
    } else {
      callback(null, target.address, target.family);
    }
  };
}
