import { Type } from "@sinclair/typebox";
import type { SettingGroup } from "../setting.ts";

export const apiSettings = {
  ENABLE_CONSOLE: {
    schema: Type.Boolean(),
    default: "true",
    description:
      "Serve the web console at /console (static files calling the public API). false: /console is not routed (404), for deployments that run no browser UI on the API's origin.",
    example: "true",
  },
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
