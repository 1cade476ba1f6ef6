import { Type } from "@sinclair/typebox";
import { MAX_REASON_LENGTH } from "./control.ts";
import { FLAG_NAMES } from "./feature-flags.ts";

const changedAt = Type.Union([Type.String({ format: "date-time" }), Type.Null()], {
  description: "When it was last changed; null if never",
});
const changedBy = Type.Union([Type.String(), Type.Null()], {
  description: 'Who last changed it: "user:<id>" (admin API) or "cli:<os user>"; null if never',
});

export const KillSwitchSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    reason: Type.Union([Type.String(), Type.Null()], {
      description: "Public reason shown to every client while on; when off, why it was lifted (if given)",
    }),
    retryAfterSeconds: Type.Integer({ description: "Sent as Retry-After while on" }),
    updatedAt: changedAt,
    updatedBy: changedBy,
  },
  { $id: "KillSwitch", additionalProperties: false },
);

export const KillSwitchUpdateSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    reason: Type.Optional(
      Type.String({ maxLength: MAX_REASON_LENGTH, description: "Required when enabling; shown to clients" }),
    ),
    retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400, default: 300 })),
  },
  { $id: "KillSwitchUpdate", additionalProperties: false },
);

export const FeatureFlagSchema = Type.Object(
  {
    name: Type.String(),
    enabled: Type.Boolean(),
    default: Type.Boolean({ description: "The value used until the flag is set" }),
    description: Type.String(),
    updatedAt: changedAt,
    updatedBy: changedBy,
  },
  { $id: "FeatureFlag", additionalProperties: false },
);

export const FeatureFlagListSchema = Type.Object(
  { items: Type.Array(Type.Ref("FeatureFlag")) },
  { $id: "FeatureFlagList", additionalProperties: false },
);

export const FeatureFlagUpdateSchema = Type.Object(
  { enabled: Type.Boolean() },
  { $id: "FeatureFlagUpdate", additionalProperties: false },
);

export const FlagParams = Type.Object(
  { name: Type.String({ pattern: "^[a-z][a-z0-9_-]{0,63}$", description: `One of: ${FLAG_NAMES.join(", ")}` }) },
  { additionalProperties: false },
);

export const switchesSchemas = [
  KillSwitchSchema,
  KillSwitchUpdateSchema,
  FeatureFlagSchema,
  FeatureFlagListSchema,
  FeatureFlagUpdateSchema,
];
