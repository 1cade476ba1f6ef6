import { Type } from "@sinclair/typebox";
import type { SettingGroup } from "../setting.ts";

export const apiSettings = {
  ENABLE_DOCS: {
    schema: Type.Boolean(),
    defaultFrom: (resolved) => (resolved.APP_ENV === "production" ? "false" : "true"),
    description: "Serve the human API docs at /docs. Default: on outside production. /openapi.json is always served.",
    example: "true",
  },
  ENABLE_LEGACY_ROUTES: {
    schema: Type.Boolean(),
    default: "true",
    description:
      "Every /api/v1/... route also answers at its unversioned /api/... path, with Deprecation, Sunset and successor Link headers.",
    example: "false",
  },
} satisfies SettingGroup;
