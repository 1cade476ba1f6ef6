import { type TSchema, TypeGuard } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { ConfigProblem, ConfigRule, SettingGroup, SettingSpec } from "./setting.ts";
import { type Config, configRules, settings } from "./settings/index.ts";

export type Env = Readonly<Record<string, string | undefined>>;

/** Thrown when the environment does not describe a valid configuration; carries every problem at once. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    super(`invalid configuration: ${problems.map((p) => p.name).join(", ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** A rule read a setting that failed to parse; the rule is skipped. */
class RuleInputUnparsed extends Error {}

/**
 * Reads every declared setting from `env`, applies defaults, converts and validates,
 * and returns a frozen Config. Collects all problems before throwing so an operator
 * fixes a broken deployment in one round trip.
 */
export function loadConfig(
  env: Env,
  registry: SettingGroup = settings,
  rules: readonly ConfigRule[] = configRules,
): Config {
  const problems: ConfigProblem[] = [];
  const resolved: Record<string, unknown> = {};
  const entries = Object.entries(registry);
  // Plain defaults first, then the ones derived from other settings.
  const ordered = [...entries.filter(([, s]) => !s.defaultFrom), ...entries.filter(([, s]) => s.defaultFrom)];
  for (const [name, spec] of ordered) {
    const given = env[name];
    const raw = given === undefined || given === "" ? (spec.default ?? spec.defaultFrom?.(resolved)) : given;
    if (raw === undefined) continue;
    const value = Value.Convert(spec.schema, raw);
    if (Value.Check(spec.schema, value)) {
      resolved[name] = value;
    } else {
      const got = spec.secret ? "" : ` (got ${JSON.stringify(raw)})`;
      problems.push({ name, message: `must be ${describeExpected(spec.schema)}${got}`, example: spec.example });
    }
  }
  // Every rule runs, on whatever parsed: an operator sees all problems in one run, not the
  // cross-setting ones only after fixing the rest. A rule that reads a setting which did not
  // parse is skipped — its verdict would rest on a value the operator has yet to fix.
  const unparsed = new Set(problems.map((p) => p.name));
  const view = new Proxy(resolved, {
    get(target, name) {
      if (typeof name === "string" && unparsed.has(name)) throw new RuleInputUnparsed();
      return target[name as string];
    },
  });
  for (const rule of rules) {
    try {
      problems.push(...rule(view));
    } catch (error) {
      if (!(error instanceof RuleInputUnparsed)) throw error;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(resolved) as Config;
}

function describeExpected(schema: TSchema): string {
  if (TypeGuard.IsUnion(schema) && schema.anyOf.every((s) => TypeGuard.IsLiteral(s))) {
    return `one of ${schema.anyOf.map((s) => String(s.const)).join(" | ")}`;
  }
  if (TypeGuard.IsInteger(schema) || TypeGuard.IsNumber(schema)) {
    const kind = TypeGuard.IsInteger(schema) ? "an integer" : "a number";
    const { minimum, maximum } = schema;
    if (minimum !== undefined && maximum !== undefined) return `${kind} from ${minimum} to ${maximum}`;
    if (minimum !== undefined) return `${kind} ≥ ${minimum}`;
    return kind;
  }
  if (TypeGuard.IsBoolean(schema)) return "true or false";
  if (schema.description) return schema.description;
  if (TypeGuard.IsString(schema)) {
    if (schema.minLength && schema.minLength > 1) return `a string of at least ${schema.minLength} characters`;
    return "a non-empty string";
  }
  return "a valid value";
}

/** Formats problems for a human on stderr: name, what is wrong, an example. Never a value of a secret. */
export function formatConfigProblems(problems: readonly ConfigProblem[]): string {
  const lines = problems.map((p) => `  - ${p.name}: ${p.message}${p.example ? `; e.g. ${p.name}=${p.example}` : ""}`);
  return `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}\n`;
}

/** The effective configuration for display, secrets masked. */
export function describeConfig(config: Config, registry: SettingGroup = settings): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(registry) as [string, SettingSpec][]) {
    const value = (config as Record<string, unknown>)[name];
    if (value === undefined) out[name] = "(unset)";
    else out[name] = spec.secret ? "********" : String(value);
  }
  return out;
}
