import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import * as argon2 from "@node-rs/argon2";
import { normalizePassword } from "./password-policy.ts";

export { checkPasswordPolicy, normalizePassword } from "./password-policy.ts";

export interface PasswordHasher {
  /** An argon2id PHC string of the NFKC-normalised password. */
  hash(password: string): Promise<string>;
  /**
   * ok: the password matches. needsRehash (only ever true when ok): the stored hash is
   * bcrypt, or argon2 that is not argon2id v19 or has weaker parameters than the current
   * ones — the caller stores `hash(password)` in its place. Never throws on a malformed
   * stored hash (returns ok: false).
   */
  verify(stored: string, password: string): Promise<{ ok: boolean; needsRehash: boolean }>;
  /** Burns the same time as a real verify, for unknown accounts (enumeration-safe login). */
  verifyDummy(password: string): Promise<void>;
}

export interface Argon2Parameters {
  /** KiB of memory per hash. */
  readonly memoryCost: number;
  /** Passes over that memory. */
  readonly timeCost: number;
  /** Lanes; 1 keeps one hash on one thread-pool thread. */
  readonly parallelism: number;
}

/**
 * The OWASP Password Storage Cheat Sheet minimum for argon2id: 19 MiB, 2 passes, 1 lane
 * (about 45 ms per hash on a 2-core CI machine). Fixed constants rather than settings: a
 * deployment that weakens them silently would be a security bug, and stronger parameters
 * are a code change that also upgrades stored hashes (verify reports needsRehash).
 */
export const ARGON2_MINIMUM: Argon2Parameters = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** The subset of @node-rs/argon2 the hasher uses; tests may wrap it to observe the work done. */
export type Argon2Engine = Pick<typeof argon2, "hash" | "verify">;

const ARGON2_HASH = /^\$argon2(id|i|d)\$/;
const CURRENT_VARIANT = "$argon2id$v=19$";
const BCRYPT_HASH = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;
const OUTPUT_LENGTH = 32;
const NO_MATCH = Object.freeze({ ok: false, needsRehash: false });

/**
 * argon2 computations running at once, per hasher. More than the cores only adds memory
 * (19 MiB each) and latency for everyone; and libuv's thread pool (4 threads by default)
 * also serves file system and DNS work, so at least one thread stays free for that during
 * a burst of logins. Further calls wait their turn.
 */
export const MAX_CONCURRENT_ARGON2 = Math.max(1, Math.min(availableParallelism(), 3));

/** Runs at most `max` tasks at once; the others wait in arrival order. */
function createLimiter(max: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active < max) active += 1;
    else await new Promise<void>((resolve) => waiting.push(resolve)); // a finishing task hands over its slot
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  };
}

/**
 * argon2id through @node-rs/argon2, whose hash and verify run on libuv's thread pool: a
 * login never stalls the event loop for other requests. Passwords are NFKC-normalised
 * before hashing and verifying. Parameters below the OWASP minimum are refused.
 */
export function createPasswordHasher(
  params: Partial<Argon2Parameters> = {},
  engine: Argon2Engine = argon2,
): PasswordHasher {
  const current: Argon2Parameters = { ...ARGON2_MINIMUM, ...params };
  for (const key of ["memoryCost", "timeCost", "parallelism"] as const) {
    if (!Number.isInteger(current[key]) || current[key] < ARGON2_MINIMUM[key]) {
      throw new RangeError(`argon2 ${key} must be an integer of at least ${ARGON2_MINIMUM[key]}`);
    }
  }
  const options = { ...current, outputLen: OUTPUT_LENGTH };
  const limit = createLimiter(MAX_CONCURRENT_ARGON2);
  // Made once up front with the current parameters, so the first unknown-account login is
  // not slower than later ones. The extra catch only keeps an unused rejection from being
  // reported as unhandled; verifyDummy still sees it.
  const dummyHash = limit(() => engine.hash(randomBytes(24).toString("base64url"), options));
  dummyHash.catch(() => {});

  function isOutdated(stored: string): boolean {
    if (!stored.startsWith(CURRENT_VARIANT)) return true;
    const used = argon2.parseOptions(stored);
    return (
      used.memoryCost < current.memoryCost ||
      used.timeCost < current.timeCost ||
      used.parallelism !== current.parallelism ||
      used.outputLen < OUTPUT_LENGTH
    );
  }

  async function verifyArgon2(stored: string, password: string) {
    try {
      const ok = await limit(() => engine.verify(stored, normalizePassword(password)));
      return { ok, needsRehash: ok && isOutdated(stored) };
    } catch {
      return NO_MATCH; // undecodable PHC string
    }
  }

  /**
   * Hashes imported from the previous (bcrypt) system. bcryptjs is pure JavaScript: it
   * yields to the event loop between rounds but does use the main thread, which is
   * acceptable only because each such account moves to argon2id at its next successful
   * login. That system hashed the password as typed (no normalisation), so the raw form is
   * tried before the normalised one.
   */
  async function verifyBcrypt(stored: string, password: string) {
    try {
      // Only accounts imported with bcrypt hashes need the library; most processes never load it.
      const { compare: bcryptCompare } = await import("bcryptjs");
      let ok = await bcryptCompare(password, stored);
      const normalized = normalizePassword(password);
      if (!ok && normalized !== password) ok = await bcryptCompare(normalized, stored);
      return { ok, needsRehash: ok };
    } catch {
      return NO_MATCH;
    }
  }

  return {
    hash: (password) => limit(() => engine.hash(normalizePassword(password), options)),
    verify: async (stored, password) => {
      if (ARGON2_HASH.test(stored)) return verifyArgon2(stored, password);
      if (BCRYPT_HASH.test(stored)) return verifyBcrypt(stored, password);
      return NO_MATCH;
    },
    verifyDummy: async (password) => {
      const stored = await dummyHash;
      await limit(() => engine.verify(stored, normalizePassword(password)));
    },
  };
}
