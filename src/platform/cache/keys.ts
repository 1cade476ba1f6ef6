/**
 * The key scheme: `<CACHE_KEY_PREFIX>:<namespace>:v<version>:<key>`, e.g.
 * `rampart:cache:membership:v1:<companyId>:<userId>`.
 *
 * The version belongs to the namespace and is bumped whenever the shape of its values
 * changes: a deploy with the new shape reads and writes only `v2` keys, so it never parses
 * an entry written by the old code (old entries simply expire).
 */
export interface NamespaceSpec {
  /** Lower-case words joined by dashes; no `:` so one namespace can never be a prefix of another. */
  readonly name: string;
  /** A positive integer, bumped when the cached value's shape changes. */
  readonly version: number;
}

const NAMESPACE_NAME = /^[a-z][a-z0-9-]*$/;

/** Throws on a malformed spec: a programming error, caught by the first test that uses the namespace. */
export function assertNamespaceSpec(spec: NamespaceSpec): void {
  if (!NAMESPACE_NAME.test(spec.name))
    throw new Error(`cache namespace name must match ${NAMESPACE_NAME}: ${spec.name}`);
  if (!Number.isInteger(spec.version) || spec.version < 1) {
    throw new Error(`cache namespace version must be a positive integer: ${spec.name} v${spec.version}`);
  }
}

/** Everything before the caller's key, ending with `:`. */
export function namespaceKeyPrefix(keyPrefix: string, spec: NamespaceSpec): string {
  return `${keyPrefix}:${spec.name}:v${spec.version}:`;
}

/** A SCAN MATCH pattern for every key starting with `prefix` (glob characters in it are literal). */
export function scanPatternFor(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
}

/** The pub/sub channel invalidations travel on; one per deployment (key prefix). */
export function invalidationChannel(keyPrefix: string): string {
  return `${keyPrefix}:invalidate`;
}
