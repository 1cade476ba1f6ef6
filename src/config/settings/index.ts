import type { ConfigOf, ConfigRule, SettingGroup } from "../setting.ts";
import { apiSettings } from "./api.ts";
import { redisSettings } from "./redis.ts";
import { serverRules, serverSettings } from "./server.ts";

/** Every setting Rampart reads. A new area adds its group here and nowhere else. */
export const settings = {
  ...serverSettings,
  ...redisSettings,
  ...apiSettings,
} satisfies SettingGroup;

export const configRules: readonly ConfigRule[] = [...serverRules];

export type Config = ConfigOf<typeof settings>;
