import { readFileSync } from "node:fs";
import type { FieldError } from "../../platform/errors/app-error.ts";

/** NIST SP 800-63B §5.1.1.2: at least 8 characters; verifiers should permit at least 64 (we allow 256). */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;
/** A shorter local part ("al@…") would reject too many good passwords for too little protection. */
const EMAIL_LOCAL_PART_MIN_LENGTH = 3;

/**
 * Unicode NFKC, as NIST SP 800-63B asks, so the same password typed on two keyboards
 * (composed "é" vs "e" + combining accent, full-width digits) hashes the same. Applied
 * before counting length and before hashing.
 */
export function normalizePassword(password: string): string {
  return password.normalize("NFKC");
}

let commonPasswords: ReadonlySet<string> | undefined;

/** The shipped list, lower-cased; read once on first use (76 KB). */
function commonPasswordSet(): ReadonlySet<string> {
  if (!commonPasswords) {
    const text = readFileSync(new URL("./data/common-passwords.txt", import.meta.url), "utf8");
    commonPasswords = new Set(
      text
        .split("\n")
        .filter((line) => line !== "" && !line.startsWith("#"))
        .map((line) => line.toLowerCase()),
    );
  }
  return commonPasswords;
}

/** The parts of an email address a password must not contain: the local part, and its base before a "+tag". */
function emailWords(email: string): string[] {
  const at = email.lastIndexOf("@");
  const local = normalizePassword(at === -1 ? email : email.slice(0, at)).toLowerCase();
  const base = local.split("+")[0] ?? local;
  return [...new Set([local, base])].filter((word) => [...word].length >= EMAIL_LOCAL_PART_MIN_LENGTH);
}

/**
 * NIST SP 800-63B password rules: length after normalisation (in code points, so an emoji
 * counts once), not one of the 10,000 most common passwords (compared case-insensitively:
 * "Password1" is as guessable as "password1"), and not containing the account's email local
 * part. Deliberately no composition rules ("one digit, one symbol"): NIST recommends
 * against them because they push users to predictable patterns. Returns field errors at
 * `context.path`; empty when the password is acceptable.
 */
export function checkPasswordPolicy(password: string, context: { email?: string; path: string }): FieldError[] {
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  const { path } = context;
  if (length < PASSWORD_MIN_LENGTH) {
    return [{ path, message: `Use at least ${PASSWORD_MIN_LENGTH} characters (this one has ${length}).` }];
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return [{ path, message: `Use at most ${PASSWORD_MAX_LENGTH} characters (this one has ${length}).` }];
  }
  const errors: FieldError[] = [];
  const lower = normalized.toLowerCase();
  if (commonPasswordSet().has(lower)) {
    errors.push({ path, message: "This password is one of the most commonly used passwords; choose another." });
  }
  if (context.email && emailWords(context.email).some((word) => lower.includes(word))) {
    errors.push({ path, message: "The password must not contain your email address or its name part." });
  }
  return errors;
}
