import { createPublicKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { JWK } from "jose";
import type { Config } from "../../config/settings/index.ts";
import { keysDirectory } from "../../config/values/keys-directory.ts";
import type { Clock } from "../clock.ts";
import type { Logger } from "../logging/logger.ts";
import {
  KeyMaterialError,
  parsePrivateKeyPem,
  parsePublicKeysPem,
  publicJwkOf,
  type SigningAlgorithm,
} from "./key-material.ts";
import { addKey, ensureKeysDirectory, readKeyDirectory, type StoredKey } from "./keyset-store.ts";

/**
 * Seconds of clock skew tolerated between instances (and other verifiers) when checking
 * exp, nbf and iat. Small on purpose: it extends every token's life by this much.
 */
export const CLOCK_TOLERANCE_S = 5;

/** An unknown kid reloads the keyset at most this often, so garbage tokens cannot turn into disk reads. */
export const UNKNOWN_KID_RELOAD_INTERVAL_MS = 5_000;

export interface ActiveKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: KeyObject;
}

export interface VerificationKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly publicKey: KeyObject;
}

export interface SigningKeys {
  /** The key new tokens are signed with. */
  active(): ActiveKey;
  /** The public JWKS document: the active key and every retired key whose tokens may still be valid. */
  jwks(): { keys: JWK[] };
  /**
   * The public key for a token's kid while tokens it signed may still be valid. An unknown
   * kid (e.g. minted by an instance that already saw a rotation) reloads the keyset first,
   * at most once per UNKNOWN_KID_RELOAD_INTERVAL_MS.
   */
  verificationKey(kid: string): Promise<VerificationKey | undefined>;
  /** Reloads the keyset from its source (called periodically and by tests). */
  reload(): Promise<void>;
  close(): void;
}

type AuthConfig = Pick<
  Config,
  | "APP_ENV"
  | "DATA_DIR"
  | "JWT_ALG"
  | "ACCESS_TOKEN_TTL_S"
  | "JWT_PRIVATE_KEY"
  | "JWT_PRIVATE_KEY_FILE"
  | "JWT_PREVIOUS_PUBLIC_KEYS"
  | "JWT_PREVIOUS_PUBLIC_KEYS_FILE"
  | "JWT_KEYS_RELOAD_INTERVAL_S"
>;

interface KeyEntry extends VerificationKey {
  readonly jwk: JWK;
  /** Epoch ms after which no token this key signed can still be valid; undefined while it is listed. */
  readonly publishedUntil: number | undefined;
}

interface Keyset {
  readonly active: ActiveKey;
  /** Active key first. */
  readonly entries: ReadonlyMap<string, KeyEntry>;
}

interface KeySource {
  readonly name: string;
  load(initial: boolean): Promise<Keyset>;
}

export interface ScheduledKey {
  readonly key: StoredKey;
  readonly state: "active" | "retired" | "expired";
  readonly retiredAt: Date | undefined;
  readonly publishedUntil: Date | undefined;
}

/**
 * When each key of a directory keyset stops being published. A key retires when its
 * successor is created; instances may keep signing with it until their next reload, and
 * such a token lives ACCESS_TOKEN_TTL_S (plus the clock tolerance), so it stays verifiable
 * for retiredAt + reload interval + TTL + tolerance, and not a second longer.
 */
export function retirementSchedule(
  keys: readonly StoredKey[],
  config: Pick<AuthConfig, "ACCESS_TOKEN_TTL_S" | "JWT_KEYS_RELOAD_INTERVAL_S">,
  now: Date,
): ScheduledKey[] {
  const graceMs = (config.JWT_KEYS_RELOAD_INTERVAL_S + config.ACCESS_TOKEN_TTL_S + CLOCK_TOLERANCE_S) * 1000;
  return keys.map((key, index) => {
    const successor = keys[index + 1];
    if (!successor) return { key, state: "active", retiredAt: undefined, publishedUntil: undefined };
    const publishedUntil = new Date(successor.createdAt.getTime() + graceMs);
    const state = now < publishedUntil ? "retired" : "expired";
    return { key, state, retiredAt: successor.createdAt, publishedUntil };
  });
}

function directorySource(config: AuthConfig, logger: Logger, clock: Clock): KeySource {
  const dir = keysDirectory(config.DATA_DIR);
  return {
    name: `directory ${dir}`,
    async load(initial) {
      let stored = await readKeyDirectory(dir);
      const newest = stored.at(-1);
      // A first start generates the key; a changed JWT_ALG rotates to a key of the new
      // algorithm (the old one stays verifiable). Only at startup: a periodic reload must
      // never write, or two instances configured differently would rotate in turn forever.
      if (initial && (!newest || newest.alg !== config.JWT_ALG)) {
        await ensureKeysDirectory(dir, logger);
        await addKey(dir, config.JWT_ALG, clock.now(), logger);
        // Re-read rather than trust our own write: another instance may have added a key meanwhile.
        stored = await readKeyDirectory(dir);
      }
      const schedule = retirementSchedule(stored, config, clock.now()).reverse();
      const first = schedule[0];
      if (!first) throw new KeyMaterialError(`signing keys directory ${dir} holds no key`);
      const entries = new Map<string, KeyEntry>();
      for (const { key, publishedUntil } of schedule) {
        entries.set(key.kid, {
          kid: key.kid,
          alg: key.alg,
          publicKey: createPublicKey(key.privateKey),
          jwk: key.jwk,
          publishedUntil: publishedUntil?.getTime(),
        });
      }
      return { active: { kid: first.key.kid, alg: first.key.alg, privateKey: first.key.privateKey }, entries };
    },
  };
}

/** Production (or any profile with JWT_PRIVATE_KEY set): the operator's key plus the previous public keys. */
function configSource(config: AuthConfig): KeySource {
  const readSetting = async (inline: string | undefined, file: string | undefined, name: string) => {
    if (inline !== undefined) return { text: inline, source: name };
    if (file === undefined) return undefined;
    try {
      return { text: await readFile(file, "utf8"), source: `${name}_FILE (${file})` };
    } catch (error) {
      throw new KeyMaterialError(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
    }
  };
  return {
    name: config.JWT_PRIVATE_KEY !== undefined ? "JWT_PRIVATE_KEY" : "JWT_PRIVATE_KEY_FILE",
    async load() {
      const privatePem = await readSetting(config.JWT_PRIVATE_KEY, config.JWT_PRIVATE_KEY_FILE, "JWT_PRIVATE_KEY");
      if (!privatePem) throw new KeyMaterialError("JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE is required");
      const { key, alg } = parsePrivateKeyPem(privatePem.text, privatePem.source);
      if (alg !== config.JWT_ALG) {
        throw new KeyMaterialError(`JWT_ALG is ${config.JWT_ALG} but ${privatePem.source} holds a ${alg} key`);
      }
      const publicKey = createPublicKey(key);
      const jwk = await publicJwkOf(publicKey, alg);
      const entries = new Map<string, KeyEntry>([
        [jwk.kid, { kid: jwk.kid, alg, publicKey, jwk, publishedUntil: undefined }],
      ]);
      const previous = await readSetting(
        config.JWT_PREVIOUS_PUBLIC_KEYS,
        config.JWT_PREVIOUS_PUBLIC_KEYS_FILE,
        "JWT_PREVIOUS_PUBLIC_KEYS",
      );
      for (const old of previous ? parsePublicKeysPem(previous.text, previous.source) : []) {
        const oldJwk = await publicJwkOf(old.key, old.alg);
        if (entries.has(oldJwk.kid)) continue;
        entries.set(oldJwk.kid, {
          kid: oldJwk.kid,
          alg: old.alg,
          publicKey: old.key,
          jwk: oldJwk,
          publishedUntil: undefined,
        });
      }
      return { active: { kid: jwk.kid, alg, privateKey: key }, entries };
    },
  };
}

/**
 * Loads the signing keys: from JWT_PRIVATE_KEY(_FILE) when set (required in production),
 * otherwise from the shared key directory under DATA_DIR, generating the first key. The
 * keyset is re-read every JWT_KEYS_RELOAD_INTERVAL_S so a rotation reaches every instance
 * without a restart; a failed reload keeps the last good keyset and logs a warning.
 */
export async function loadSigningKeys(config: AuthConfig, logger: Logger, clock: Clock): Promise<SigningKeys> {
  const fromConfig = config.JWT_PRIVATE_KEY !== undefined || config.JWT_PRIVATE_KEY_FILE !== undefined;
  const source = fromConfig ? configSource(config) : directorySource(config, logger, clock);
  if (!fromConfig && (config.JWT_PREVIOUS_PUBLIC_KEYS || config.JWT_PREVIOUS_PUBLIC_KEYS_FILE)) {
    logger.warn("JWT_PREVIOUS_PUBLIC_KEYS is ignored without JWT_PRIVATE_KEY: the key directory keeps retired keys");
  }
  let keyset = await source.load(true);
  logger.info(
    { source: source.name, kid: keyset.active.kid, alg: keyset.active.alg, kids: [...keyset.entries.keys()] },
    "signing keys loaded",
  );

  let inFlight: Promise<void> | undefined;
  let lastUnknownKidReload = Number.NEGATIVE_INFINITY;
  const stillValid = (entry: KeyEntry | undefined, now: number) =>
    entry && (entry.publishedUntil === undefined || now < entry.publishedUntil) ? entry : undefined;

  const reload = (): Promise<void> => {
    inFlight ??= (async () => {
      try {
        const next = await source.load(false);
        if (next.active.kid !== keyset.active.kid) {
          logger.info({ kid: next.active.kid, previousKid: keyset.active.kid }, "signing key rotated");
        }
        keyset = next;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };
  const reloadOrWarn = () =>
    reload().then(
      () => true,
      (error: unknown) => {
        logger.warn({ err: error }, "signing keys reload failed; keeping the current keys");
        return false;
      },
    );

  const timer = setInterval(reloadOrWarn, config.JWT_KEYS_RELOAD_INTERVAL_S * 1000);
  // The reload timer must never keep a process alive on its own (CLI commands, tests).
  timer.unref();

  return {
    active: () => keyset.active,
    jwks() {
      const now = clock.now().getTime();
      return { keys: [...keyset.entries.values()].filter((e) => stillValid(e, now)).map((e) => e.jwk) };
    },
    async verificationKey(kid) {
      const now = clock.now().getTime();
      const known = stillValid(keyset.entries.get(kid), now);
      if (known || keyset.entries.has(kid)) return known;
      if (now - lastUnknownKidReload < UNKNOWN_KID_RELOAD_INTERVAL_MS) return undefined;
      lastUnknownKidReload = now;
      await reloadOrWarn();
      return stillValid(keyset.entries.get(kid), now);
    },
    reload,
    close: () => clearInterval(timer),
  };
}
