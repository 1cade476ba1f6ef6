import { Type } from "@sinclair/typebox";
import type { SettingGroup } from "../setting.ts";

export const redisSettings = {
  REDIS_URL: {
    schema: Type.String({ pattern: "^rediss?://", description: "a redis:// or rediss:// URL" }),
    description:
      "Redis for shared rate limits, cache and cross-instance messages. Unset: in-process fallbacks (one instance only).",
    example: "redis://127.0.0.1:6379",
    secret: true,
  },
  REDIS_CONNECT_TIMEOUT_MS: {
    schema: Type.Integer({ minimum: 100 }),
    // 2 s, not 3: startup with an unreachable Redis must complete within 3 s (issue 7).
    default: "2000",
    description: "How long startup waits for Redis before continuing in degraded (in-process) mode.",
    example: "2000",
  },
  REDIS_COMMAND_TIMEOUT_MS: {
    schema: Type.Integer({ minimum: 5 }),
    default: "50",
    description: "Upper bound of one Redis command; slower counts as unavailable and falls back to memory.",
    example: "50",
  },
} satisfies SettingGroup;
