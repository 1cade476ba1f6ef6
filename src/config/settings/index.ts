import type { ConfigOf, ConfigRule, SettingGroup } from "../setting.ts";
import { authRules, authSettings } from "./auth.ts";
import { databaseRules, databaseSettings } from "./database.ts";
import { redisSettings } from "./redis.ts";
import { serverRules, serverSettings } from "./server.ts";

/** Every setting Rampart reads. A new area adds its group here and nowhere else. */
export const settings = {
  ...serverSettings,
  ...databaseSettings,
  ...redisSettings,
  ...authSettings,
} satisfies SettingGroup;

export const configRules: readonly ConfigRule[] = [...serverRules, ...databaseRules, ...authRules];

export type Config = ConfigOf<typeof settings>;
