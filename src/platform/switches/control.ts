import type { Kysely } from "kysely";
import type { Clock } from "../clock.ts";
import type { Database } from "../db/schema.ts";
import { type Executor, withTransaction } from "../db/transaction.ts";
import type { FlagName } from "./feature-flags.ts";
import { readStateRows, writeStateRow } from "./repository.ts";
import {
  DEFAULT_RETRY_AFTER_S,
  type FlagState,
  type FlagValue,
  flagKey,
  KILL_SWITCH_KEY,
  type KillSwitchState,
  type KillSwitchValue,
  type PlatformSnapshot,
  snapshotFrom,
} from "./state.ts";

/**
 * Changing the kill switch and flags, shared by the CLI (straight against the database, no
 * server needed) and the admin API. The database is the truth; `announce` only tells the
 * running instances to re-read it sooner than their next poll.
 */
export interface ControlDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /** Publishes "key changed" to every instance; resolves false when it could not (they will poll). */
  readonly announce: (key: string) => Promise<boolean>;
  /** Writes the change to the audit trail in the change's own transaction (who, when, why). */
  readonly record: SwitchChangeRecorder;
}

export interface SwitchChange {
  /** `kill_switch.enabled`, `kill_switch.disabled`, `feature_flag.changed`. */
  readonly action: string;
  /** The platform_state key. */
  readonly key: string;
  /** "cli:<os user>" or "user:<id>". */
  readonly by: string;
  readonly metadata: Readonly<Record<string, unknown>>;
}

export type SwitchChangeRecorder = (trx: Executor, change: SwitchChange) => Promise<void>;

export const MAX_REASON_LENGTH = 500;

export interface KillSwitchChange {
  readonly enabled: boolean;
  /** Required to turn it on: the public reason every refused client reads. */
  readonly reason?: string | undefined;
  readonly retryAfterSeconds?: number | undefined;
}

/** Why a change is refused, in words for the CLI and as a field error for the API. */
export function killSwitchChangeProblem(change: KillSwitchChange): { field: string; message: string } | undefined {
  const reason = change.reason?.trim() ?? "";
  if (change.enabled && reason === "") {
    return { field: "reason", message: "a public reason is required to turn the kill switch on" };
  }
  if (reason.length > MAX_REASON_LENGTH) {
    return { field: "reason", message: `must be at most ${MAX_REASON_LENGTH} characters` };
  }
  const retry = change.retryAfterSeconds;
  if (retry !== undefined && (!Number.isInteger(retry) || retry < 1 || retry > 86_400)) {
    return { field: "retryAfterSeconds", message: "must be a whole number of seconds from 1 to 86400" };
  }
  return undefined;
}

export async function readSnapshot(db: Kysely<Database>): Promise<PlatformSnapshot> {
  return snapshotFrom(await readStateRows(db));
}

export interface Applied<T> {
  readonly state: T;
  /** Whether running instances were told at once (Redis); otherwise they see it on their next poll. */
  readonly announced: boolean;
}

/** Assumes killSwitchChangeProblem(change) found nothing. `by` is who: "cli:<os user>", "user:<id>". */
export async function setKillSwitch(
  deps: ControlDeps,
  change: KillSwitchChange,
  by: string,
): Promise<Applied<KillSwitchState>> {
  const reason = change.reason?.trim() || null;
  const value: KillSwitchValue = {
    enabled: change.enabled,
    reason,
    retryAfterSeconds: change.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_S,
  };
  await withTransaction(deps.db, async (trx) => {
    await writeStateRow(trx, {
      key: KILL_SWITCH_KEY,
      value,
      updatedAt: deps.clock.nowIso(),
      updatedBy: by,
    });
    const action = change.enabled ? "kill_switch.enabled" : "kill_switch.disabled";
    await deps.record(trx, { action, key: KILL_SWITCH_KEY, by, metadata: { ...value } });
  });
  const announced = await deps.announce(KILL_SWITCH_KEY);
  return { state: (await readSnapshot(deps.db)).killSwitch, announced };
}

export async function setFlag(
  deps: ControlDeps,
  name: FlagName,
  enabled: boolean,
  by: string,
): Promise<Applied<FlagState>> {
  const value: FlagValue = { enabled };
  await withTransaction(deps.db, async (trx) => {
    await writeStateRow(trx, {
      key: flagKey(name),
      value,
      updatedAt: deps.clock.nowIso(),
      updatedBy: by,
    });
    await deps.record(trx, {
      action: "feature_flag.changed",
      key: flagKey(name),
      by,
      metadata: { flag: name, enabled },
    });
  });
  const announced = await deps.announce(flagKey(name));
  return { state: (await readSnapshot(deps.db)).flags[name], announced };
}
