import { Type } from "@sinclair/typebox";
import type { SettingGroup } from "../setting.ts";

export const auditSettings = {
  AUDIT_RETENTION_DAYS: {
    schema: Type.Integer({ minimum: 1 }),
    description:
      "`rampart audit prune` deletes audit events older than this many days (the chain stays verifiable from the first kept event). Unset: events are kept forever and prune does nothing.",
    example: "400",
  },
} satisfies SettingGroup;
