import { Type } from "@sinclair/typebox";
import type { SettingGroup } from "../setting.ts";

export const cacheSettings = {
  CACHE_ENABLED: {
    schema: Type.Boolean(),
    default: "true",
    description:
      "Cache hot lookups (in-process, plus Redis when REDIS_URL is set). false: every lookup runs its loader.",
    example: "true",
  },
  CACHE_LOCAL_MAX_ENTRIES: {
    schema: Type.Integer({ minimum: 1 }),
    default: "10000",
    description: "Most entries the in-process cache layer holds; the least recently used go first.",
    example: "10000",
  },
  CACHE_LOCAL_TTL_MS: {
    schema: Type.Integer({ minimum: 1 }),
    default: "5000",
    description:
      "Longest an in-process cache entry lives: the staleness bound when an invalidation message is missed (Redis down).",
    example: "5000",
  },
  CACHE_KEY_PREFIX: {
    schema: Type.String({ pattern: "^[A-Za-z0-9:_.-]+$", description: "letters, digits and : _ . -" }),
    default: "rampart:cache",
    description:
      "Prefix of every cache key and of the invalidation channel in Redis; differs per deployment sharing one Redis.",
    example: "rampart:cache",
  },
} satisfies SettingGroup;
