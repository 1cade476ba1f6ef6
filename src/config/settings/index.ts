import type { ConfigOf, ConfigRule, SettingGroup } from "../setting.ts";
import { databaseRules, databaseSettings } from "./database.ts";
import { mailSettings } from "./mail.ts";
import { redisSettings } from "./redis.ts";
import { serverRules, serverSettings } from "./server.ts";

/** Every setting Rampart reads. A new area adds its group here and nowhere else. */
export const settings = {
  ...serverSettings,
  ...databaseSettings,
  ...redisSettings,
  ...mailSettings,
} satisfies SettingGroup;

export const configRules: readonly ConfigRule[] = [...serverRules, ...databaseRules];

export type Config = ConfigOf<typeof settings>;
