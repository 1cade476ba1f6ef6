import type { Logger } from "../logging/logger.ts";

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * The connection itself failed (refused, reset, terminated by the server, server starting
 * or shutting down) — not a slow statement or a saturated pool, which are load, not an outage.
 */
export function isConnectionLost(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string" && (NETWORK_CODES.has(code) || /^08/.test(code) || /^57P0[1-3]$/.test(code)))
    return true;
  return /Connection terminated|not queryable|timeout expired/i.test(String(message ?? ""));
}

/** How the connection to the database has fared, for metrics and readiness. */
export interface ConnectionHealthStats {
  /** True from the first lost connection until a new one is established. */
  readonly unreachable: boolean;
  /** Connections lost (or refused) since the process started. */
  readonly connectionsLost: number;
  /** Incidents (periods of unreachability) since the process started. */
  readonly incidents: number;
}

export interface ConnectionHealth {
  /** A connection died or could not be opened; opens an incident unless one is open. */
  lost(error: unknown): void;
  /** A connection was established: closes the open incident, if any. */
  established(): void;
  stats(): ConnectionHealthStats;
}

/**
 * Turns the connection errors of a pool into incidents an operator can read: a database
 * restart kills every connection of the pool and refuses new ones for seconds, which would
 * otherwise be dozens of identical lines. One warning when the first connection is lost,
 * one info line with the incident's duration and count when a connection succeeds again.
 */
export function trackConnectionHealth(logger: Logger, now: () => number = Date.now): ConnectionHealth {
  let since: number | undefined;
  let lostInIncident = 0;
  let connectionsLost = 0;
  let incidents = 0;
  return {
    lost(error) {
      if (!isConnectionLost(error)) return;
      connectionsLost += 1;
      lostInIncident += 1;
      if (since !== undefined) return;
      since = now();
      incidents += 1;
      logger.warn(
        { err: { message: (error as Error).message, code: (error as { code?: unknown }).code } },
        "database connection lost; requests answer 503 until it is back",
      );
    },
    established() {
      if (since === undefined) return;
      logger.info(
        { durationMs: now() - since, connectionsLost: lostInIncident },
        "database reachable again after an incident",
      );
      since = undefined;
      lostInIncident = 0;
    },
    stats: () => ({ unreachable: since !== undefined, connectionsLost, incidents }),
  };
}
