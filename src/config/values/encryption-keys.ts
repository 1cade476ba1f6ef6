import type { ConfigProblem } from "../setting.ts";
import { commaList } from "./list.ts";

/** A key anyone could have read in the docs or `.env.example`: public, so refused. */
export const DOCUMENTED_ENCRYPTION_KEY_EXAMPLE = "q3Vx9mT2bL7wZ0cR5nY8pK1sD4fH6jG-documented-example-never-use";

const MIN_LENGTH = 32;
/** A random key of 32+ characters has far more; fewer means a pattern (`aaaa…`, `abab…`, `0123…`). */
const MIN_DISTINCT = 10;
const PLACEHOLDER = /change[-_ ]?me|replace[-_ ]?me|example|secret|password|your[-_ ]?key/i;

/**
 * Why `key` cannot seal secrets, or undefined when it can. Never quotes the key: the message
 * names the setting and the reason only. Length alone is not enough: a 40-character `aaaa…`
 * or the value copied from the docs passes a length check and protects nothing.
 */
export function weakEncryptionKeyReason(key: string): string | undefined {
  if (key.length < MIN_LENGTH) return `must be at least ${MIN_LENGTH} characters (random)`;
  if (key === DOCUMENTED_ENCRYPTION_KEY_EXAMPLE) return "is the documented example value, which is public";
  if (new Set(key).size < MIN_DISTINCT) return `has fewer than ${MIN_DISTINCT} distinct characters: not a random key`;
  if (PLACEHOLDER.test(key)) return "looks like a placeholder (change-me, example, secret, password …)";
  return undefined;
}

interface EncryptionKeySettings {
  readonly ENCRYPTION_KEY?: string | undefined;
  readonly ENCRYPTION_KEYS_PREVIOUS?: string | undefined;
}

/** The problems of the configured keys (weak, repeated); missing-in-production is the caller's rule. */
export function encryptionKeyProblems(config: EncryptionKeySettings): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const current = config.ENCRYPTION_KEY;
  if (current !== undefined) {
    const weak = weakEncryptionKeyReason(current);
    if (weak) problems.push({ name: "ENCRYPTION_KEY", message: weak });
  }
  const previous = commaList(config.ENCRYPTION_KEYS_PREVIOUS ?? "");
  previous.forEach((key, index) => {
    const weak = weakEncryptionKeyReason(key);
    // Position, not value: which entry of the list to fix.
    if (weak) problems.push({ name: "ENCRYPTION_KEYS_PREVIOUS", message: `entry ${index + 1} ${weak}` });
  });
  if (previous.length > 0 && current === undefined) {
    problems.push({
      name: "ENCRYPTION_KEYS_PREVIOUS",
      message: "is set without ENCRYPTION_KEY: previous keys only open values, the current key seals new ones",
    });
  }
  if (current !== undefined && previous.includes(current)) {
    problems.push({ name: "ENCRYPTION_KEYS_PREVIOUS", message: "repeats ENCRYPTION_KEY: list only retired keys" });
  }
  return problems;
}

/**
 * The keys the secret sealer uses, newest first: ENCRYPTION_KEY seals, it and every key of
 * ENCRYPTION_KEYS_PREVIOUS open. Undefined without ENCRYPTION_KEY (development key; production
 * refuses to start).
 */
export function encryptionKeys(config: EncryptionKeySettings): string[] | undefined {
  if (config.ENCRYPTION_KEY === undefined) return undefined;
  return [config.ENCRYPTION_KEY, ...commaList(config.ENCRYPTION_KEYS_PREVIOUS ?? "")];
}
