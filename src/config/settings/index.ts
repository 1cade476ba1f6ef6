import type { ConfigOf, ConfigRule, SettingGroup } from "../setting.ts";
import { apiSettings } from "./api.ts";
import { auditSettings } from "./audit.ts";
import { authRules, authSettings } from "./auth.ts";
import { cacheSettings } from "./cache.ts";
import { databaseRules, databaseSettings } from "./database.ts";
import { edgeRules, edgeSettings } from "./edge.ts";
import { encryptionRules, encryptionSettings } from "./encryption.ts";
import { identityRules, identitySettings } from "./identity.ts";
import { mailSettings } from "./mail.ts";
import { mfaSettings } from "./mfa.ts";
import { observabilityRules, observabilitySettings } from "./observability.ts";
import { rateLimitRules, rateLimitSettings } from "./rate-limit.ts";
import { redisSettings } from "./redis.ts";
import { serverRules, serverSettings } from "./server.ts";
import { socialRules, socialSettings } from "./social.ts";
import { ssoRules, ssoSettings } from "./sso.ts";
import { switchesSettings } from "./switches.ts";
import { webauthnRules, webauthnSettings } from "./webauthn.ts";
import { webhooksRules, webhooksSettings } from "./webhooks.ts";

/** Every setting Rampart reads. A new area adds its group here and nowhere else. */
export const settings = {
  ...serverSettings,
  ...databaseSettings,
  ...redisSettings,
  ...edgeSettings,
  ...rateLimitSettings,
  ...observabilitySettings,
  ...cacheSettings,
  ...apiSettings,
  ...authSettings,
  ...mailSettings,
  ...identitySettings,
  ...mfaSettings,
  ...switchesSettings,
  ...auditSettings,
  ...encryptionSettings,
  ...webhooksSettings,
  ...webauthnSettings,
  ...ssoSettings,
  ...socialSettings,
} satisfies SettingGroup;

export const configRules: readonly ConfigRule[] = [
  ...serverRules,
  ...databaseRules,
  ...edgeRules,
  ...rateLimitRules,
  ...authRules,
  ...identityRules,
  ...observabilityRules,
  ...encryptionRules,
  ...webhooksRules,
  ...webauthnRules,
  ...ssoRules,
  ...socialRules,
];

export type Config = ConfigOf<typeof settings>;
