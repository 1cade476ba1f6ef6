import type { Static, TSchema } from "@sinclair/typebox";

/**
 * One environment variable Rampart reads. Every setting is declared once with its
 * schema, default, a human description and a valid example, so that validation
 * messages, `.env.example` and `rampart config check` all come from one place.
 */
export interface SettingSpec {
  readonly schema: TSchema;
  readonly description: string;
  /** A valid value shown in error messages and `.env.example`. */
  readonly example: string;
  /** The raw value used when the variable is unset; omit for an optional setting. */
  readonly default?: string;
  /** A default that depends on other settings (e.g. LOG_FORMAT on APP_ENV). */
  readonly defaultFrom?: (resolved: Readonly<Record<string, unknown>>) => string | undefined;
  /** Secrets are never printed: not in errors, not in `config check`. */
  readonly secret?: boolean;
}

export type SettingGroup = Record<string, SettingSpec>;

/** The typed configuration object for a group of settings: required where a default exists. */
export type ConfigOf<G extends SettingGroup> = {
  readonly [K in keyof G]: G[K] extends { default: string } | { defaultFrom: unknown }
    ? Static<G[K]["schema"]>
    : Static<G[K]["schema"]> | undefined;
};

export interface ConfigProblem {
  readonly name: string;
  readonly message: string;
  readonly example?: string;
}

/** A check across several settings (e.g. wildcard CORS with credentials); returns the problems found. */
export type ConfigRule = (config: Readonly<Record<string, unknown>>) => ConfigProblem[];
