import { type KeyObject, randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { JWK } from "jose";
import type { Logger } from "../logging/logger.ts";
import {
  generatePrivateKey,
  KeyMaterialError,
  parsePrivateKeyPem,
  publicJwkOf,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
} from "./key-material.ts";

/**
 * The development/test keyset: a directory that several instances may share (a mounted
 * volume), one immutable file per key:
 *
 *   <DATA_DIR>/keys/            mode 0700
 *     key.<kid>.json            mode 0600  {"version":1,"kid","alg","createdAt","privateKeyPem"}
 *
 * There is no shared mutable index, so there is nothing to lock and no lost update: a
 * rotation only adds a file, written to a dot-prefixed temporary name and renamed into
 * place (atomic on POSIX), so readers see a whole key or none. Every instance derives the
 * same state from the same files: the active key is the newest `createdAt` (ties broken
 * by kid), and each older key was retired when its successor was created.
 */
export interface StoredKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly createdAt: Date;
  readonly privateKey: KeyObject;
  readonly jwk: JWK & { kid: string };
}

const FORMAT_VERSION = 1;
const KEY_FILE = /^key\.[A-Za-z0-9_-]{43}\.json$/;
const keyFileName = (kid: string) => `key.${kid}.json`;

/** Creates the directory owner-only; warns when an existing one is readable by others. */
export async function ensureKeysDirectory(dir: string, logger: Logger): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const mode = (await stat(dir)).mode & 0o777;
  if (mode & 0o077) logger.warn({ dir, mode: mode.toString(8) }, "signing keys directory is accessible by other users");
}

/** Every committed key in `dir`, oldest first. A missing directory is an empty keyset. */
export async function readKeyDirectory(dir: string): Promise<StoredKey[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const read = await Promise.all(names.filter((n) => KEY_FILE.test(n)).map((n) => readKeyFile(join(dir, n))));
  const keys = read.filter((key) => key !== undefined);
  return keys.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.kid.localeCompare(b.kid));
}

/** undefined when the file vanished between listing and reading: another process removed an expired key. */
async function readKeyFile(path: string): Promise<StoredKey | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KeyMaterialError(`signing key file ${path} is not valid JSON`);
  }
  const { kid, alg, createdAt, privateKeyPem } = parsed;
  const created = new Date(String(createdAt));
  if (
    parsed.version !== FORMAT_VERSION ||
    typeof kid !== "string" ||
    !SIGNING_ALGORITHMS.includes(alg as SigningAlgorithm) ||
    Number.isNaN(created.getTime()) ||
    typeof privateKeyPem !== "string"
  ) {
    throw new KeyMaterialError(`signing key file ${path} does not have the expected fields`);
  }
  const { key, alg: keyAlg } = parsePrivateKeyPem(privateKeyPem, `signing key file ${path}`);
  const jwk = await publicJwkOf(key, keyAlg);
  // The file name and fields are checked against the key itself, so a hand-edited or
  // mixed-up file cannot publish a kid that belongs to another key.
  if (keyAlg !== alg || jwk.kid !== kid || !path.endsWith(keyFileName(kid))) {
    throw new KeyMaterialError(`signing key file ${path} does not match the key it holds`);
  }
  return { kid, alg: keyAlg, createdAt: created, privateKey: key, jwk };
}

/** Generates a key and commits it to `dir` atomically; it becomes the active key of every reader. */
export async function addKey(dir: string, alg: SigningAlgorithm, now: Date, logger: Logger): Promise<StoredKey> {
  await ensureKeysDirectory(dir, logger);
  // The new key must sort last for every reader, even when this clock lags the one that
  // wrote the current newest key (or both ran in the same millisecond).
  const newest = (await readKeyDirectory(dir)).at(-1);
  const createdAt = newest && newest.createdAt >= now ? new Date(newest.createdAt.getTime() + 1) : now;
  const privateKey = await generatePrivateKey(alg);
  const jwk = await publicJwkOf(privateKey, alg);
  const body = JSON.stringify({
    version: FORMAT_VERSION,
    kid: jwk.kid,
    alg,
    createdAt: createdAt.toISOString(),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }),
  });
  const final = join(dir, keyFileName(jwk.kid));
  const temporary = join(dir, `.${jwk.kid}.${randomBytes(6).toString("hex")}.tmp`);
  // Created 0600 from the first byte (not chmod'ed afterwards), so the private key is never
  // readable by others, even briefly; fsync before the rename so a crash cannot commit an empty file.
  const handle = await open(temporary, "wx", 0o600);
  try {
    await handle.writeFile(body, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, final);
  logger.info({ kid: jwk.kid, alg, dir }, "signing key generated");
  return { kid: jwk.kid, alg, createdAt, privateKey, jwk };
}

/** Deletes the file of a key that can no longer verify any token. */
export async function removeKey(dir: string, kid: string): Promise<void> {
  await rm(join(dir, keyFileName(kid)), { force: true });
}
