import { Type } from "@sinclair/typebox";
import type { SettingGroup } from "../setting.ts";

/** The kill switch and feature flags (docs/kill-switch.md). */
export const switchesSettings = {
  KILL_SWITCH_ALLOWED_PATHS: {
    schema: Type.String({
      pattern: "^$|^/\\S*(,/\\S*)*$",
      description: "a comma list of paths starting with /, a trailing * matching any suffix",
    }),
    default: "",
    description:
      "Paths still served while the kill switch is on, besides /health*, /metrics and the admin kill-switch endpoints (comma list; a trailing * is a prefix match).",
    example: "/api/v1/auth/login,/api/v1/auth/refresh",
  },
  PLATFORM_STATE_POLL_MS: {
    schema: Type.Integer({ minimum: 100, maximum: 60000 }),
    default: "1000",
    description:
      "How often each instance re-reads the kill switch and feature flags from the database: the propagation bound without Redis, and the safety net when a pub/sub message is lost.",
    example: "1000",
  },
  PLATFORM_STATE_CHANNEL: {
    schema: Type.String({ pattern: "^[A-Za-z0-9:_.-]+$", description: "letters, digits and : _ . -" }),
    default: "rampart:platform-state",
    description:
      "Redis pub/sub channel announcing kill-switch and feature-flag changes to every instance; differs per deployment sharing one Redis.",
    example: "rampart:prod:platform-state",
  },
} satisfies SettingGroup;
