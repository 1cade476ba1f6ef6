import { type AppError, ConflictError, UnavailableError, ValidationError } from "../errors/app-error.ts";

interface DriverError {
  code?: string;
  errcode?: number;
  message?: string;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "EAI_AGAIN",
]);
// SQLite extended result codes (sqlite3.h).
const SQLITE_CONSTRAINT_UNIQUE = 2067;
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_CONSTRAINT_FOREIGNKEY = 787;
const SQLITE_BUSY = 5;

function driverError(error: unknown): DriverError | undefined {
  return typeof error === "object" && error !== null ? (error as DriverError) : undefined;
}

/** Unique or primary-key violation, on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  const e = driverError(error);
  return e?.code === "23505" || e?.errcode === SQLITE_CONSTRAINT_UNIQUE || e?.errcode === SQLITE_CONSTRAINT_PRIMARYKEY;
}

export function isForeignKeyViolation(error: unknown): boolean {
  const e = driverError(error);
  return e?.code === "23503" || e?.errcode === SQLITE_CONSTRAINT_FOREIGNKEY;
}

/** The database is unreachable, restarting, saturated or too slow: the client should retry. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = driverError(error);
  if (!e) return false;
  if (e.code && NETWORK_CODES.has(e.code)) return true;
  // SQLSTATE 08xxx connection exceptions, 57P0x shutdown/crash, 53300 too many connections, 57014 statement timeout.
  if (e.code && (/^08/.test(e.code) || /^57P0/.test(e.code) || e.code === "53300" || e.code === "57014")) return true;
  if (e.errcode === SQLITE_BUSY) return true;
  const message = e.message ?? "";
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error/i.test(
    message,
  );
}

/**
 * Maps driver errors that leak through a service to typed problems, the same on both
 * engines. Services that know which field clashed throw a more precise error themselves.
 */
export function translateDatabaseError(error: unknown): AppError | undefined {
  if (isUniqueViolation(error))
    return new ConflictError("resource.conflict", "A resource with these values already exists.");
  if (isForeignKeyViolation(error)) {
    return new ValidationError(
      [],
      "The request refers to a resource that does not exist.",
      "resource.reference_invalid",
    );
  }
  if (isTransactionConflict(error)) return contentionError();
  if (isDatabaseUnavailable(error)) {
    return new UnavailableError("database.unavailable", "The database is temporarily unavailable; retry shortly.", 5);
  }
  return undefined;
}

// ---- transaction conflicts (deadlock, serialization failure) ------------------------------

/**
 * PostgreSQL aborted the transaction to break a deadlock (40P01) or because it could not
 * be serialised (40001). Nothing it did was kept, so running it again is safe; the locked
 * transaction helper (locked-transaction.ts) does, a bounded number of times.
 */
export function isTransactionConflict(error: unknown): boolean {
  const code = driverError(error)?.code;
  return code === "40P01" || code === "40001";
}

/** A conflict that outlasted its retries: the client may retry shortly, nothing was changed. */
export function contentionError(): AppError {
  return new UnavailableError(
    "database.contention",
    "Too many concurrent changes to the same data; nothing was changed, retry shortly.",
    1,
  );
}

// ---- disk full ---------------------------------------------------------------------------
// Kept apart from the mappings above: a full disk is not the client's fault and not a
// transient hiccup either — it lasts until an operator frees space, so it has its own
// problem code, its own log line (disk-full.ts) and its own readiness check.

// SQLite primary result codes (the low byte of an extended code).
const SQLITE_IOERR = 10;
const SQLITE_FULL = 13;

/**
 * The database could not write for lack of space: SQLITE_FULL, SQLITE_IOERR (a write or
 * fsync that failed, what a full disk gives outside the page allocator), PostgreSQL class
 * 53100 disk_full, or an I/O error (58030) saying "No space left on device".
 */
export function isDiskFull(error: unknown): boolean {
  const e = driverError(error);
  if (!e) return false;
  if (typeof e.errcode === "number" && [SQLITE_FULL, SQLITE_IOERR].includes(e.errcode & 0xff)) return true;
  if (e.code === "53100") return true;
  return e.code === "58030" && /no space left on device/i.test(e.message ?? "");
}

export function diskFullProblem(): AppError {
  return new UnavailableError(
    "database.disk_full",
    "The database cannot store anything right now; nothing was changed. Retry later.",
    60,
  );
}
