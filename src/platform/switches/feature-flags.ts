/**
 * Every feature flag Rampart knows, with its default (used until someone sets it) and what
 * turning it off does. A flag that is not listed here cannot be set: a typo in
 * `rampart flags set` is an error, not a new flag nobody reads.
 */
export const FEATURE_FLAGS = {
  signup: {
    default: true,
    description: "New accounts may register. Off: POST /api/v1/auth/register answers 403 feature.disabled.",
  },
} as const satisfies Record<string, { readonly default: boolean; readonly description: string }>;

export type FlagName = keyof typeof FEATURE_FLAGS;

export const FLAG_NAMES = Object.keys(FEATURE_FLAGS) as FlagName[];

export function isFlagName(name: string): name is FlagName {
  return Object.hasOwn(FEATURE_FLAGS, name);
}
