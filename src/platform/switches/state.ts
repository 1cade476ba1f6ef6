import { FEATURE_FLAGS, FLAG_NAMES, type FlagName } from "./feature-flags.ts";

/** Seconds clients are told to wait when the kill switch gives no other figure. */
export const DEFAULT_RETRY_AFTER_S = 300;

/** Who changed a switch and when (platform_state.updated_by / updated_at); null while never set. */
export interface ChangeRecord {
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
}

export interface KillSwitchState extends ChangeRecord {
  readonly enabled: boolean;
  /** Public: shown to every client while on. When off, why it was lifted (if given). */
  readonly reason: string | null;
  readonly retryAfterSeconds: number;
}

export interface FlagState extends ChangeRecord {
  readonly name: FlagName;
  readonly enabled: boolean;
  readonly default: boolean;
  readonly description: string;
}

export interface PlatformSnapshot {
  readonly killSwitch: KillSwitchState;
  readonly flags: Readonly<Record<FlagName, FlagState>>;
}

/** A row of platform_state with its JSON value already parsed. */
export interface StateRow {
  readonly key: string;
  readonly value: unknown;
  readonly updatedAt: string;
  readonly updatedBy: string | null;
}

export const KILL_SWITCH_KEY = "kill_switch";
export const flagKey = (name: FlagName) => `flag:${name}`;

/** The stored JSON of the kill switch row. */
export interface KillSwitchValue {
  readonly enabled: boolean;
  readonly reason: string | null;
  readonly retryAfterSeconds: number;
}

export interface FlagValue {
  readonly enabled: boolean;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

/**
 * The state every instance enforces, from the rows. Read defensively: a row written by a
 * newer or older version with an unexpected shape falls back to the safe reading (kill
 * switch on only when it explicitly says so; a flag at its default).
 */
export function snapshotFrom(rows: readonly StateRow[]): PlatformSnapshot {
  const byKey = new Map(rows.map((row) => [row.key, row]));
  const ks = byKey.get(KILL_SWITCH_KEY);
  const ksValue = record(ks?.value);
  const retry = ksValue.retryAfterSeconds;
  const killSwitch: KillSwitchState = {
    enabled: ksValue.enabled === true,
    reason: typeof ksValue.reason === "string" ? ksValue.reason : null,
    retryAfterSeconds:
      typeof retry === "number" && Number.isInteger(retry) && retry > 0 ? retry : DEFAULT_RETRY_AFTER_S,
    updatedAt: ks?.updatedAt ?? null,
    updatedBy: ks?.updatedBy ?? null,
  };
  const flags = Object.fromEntries(
    FLAG_NAMES.map((name) => {
      const row = byKey.get(flagKey(name));
      const enabled = record(row?.value).enabled;
      const known = FEATURE_FLAGS[name];
      const state: FlagState = {
        name,
        enabled: typeof enabled === "boolean" ? enabled : known.default,
        default: known.default,
        description: known.description,
        updatedAt: row?.updatedAt ?? null,
        updatedBy: row?.updatedBy ?? null,
      };
      return [name, state];
    }),
  ) as Record<FlagName, FlagState>;
  return { killSwitch, flags };
}
