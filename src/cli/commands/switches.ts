import { userInfo } from "node:os";
import type { Config } from "../../config/settings/index.ts";
import { switchChangeRecorder } from "../../modules/audit/index.ts";
import { systemClock } from "../../platform/clock.ts";
import { createLogger } from "../../platform/logging/logger.ts";
import { closeRedis, connectRedis, createRedisClient } from "../../platform/redis/connect.ts";
import { announceChange } from "../../platform/switches/change-channel.ts";
import {
  type ControlDeps,
  killSwitchChangeProblem,
  readSnapshot,
  setFlag,
  setKillSwitch,
} from "../../platform/switches/control.ts";
import { FLAG_NAMES, isFlagName } from "../../platform/switches/feature-flags.ts";
import type { ChangeRecord, KillSwitchState } from "../../platform/switches/state.ts";
import type { CliCommand, CliIo } from "../command.ts";
import { UsageError } from "../command.ts";
import { withDatabase } from "../with-database.ts";

/** "cli:<os user>": who made a change from the command line, for platform_state.updated_by. */
function cliActor(io: CliIo): string {
  let name: string | undefined;
  try {
    name = userInfo().username;
  } catch {
    name = io.env.USER ?? io.env.LOGNAME;
  }
  return `cli:${name || "unknown"}`;
}

/**
 * Runs `work` straight against the configured database — no server needs to run — with
 * an `announce` that tells running instances over Redis when REDIS_URL is set.
 */
function withControl(io: CliIo, work: (control: ControlDeps, config: Config) => Promise<number>) {
  return withDatabase(io, (handle, config) => {
    const redisUrl = config.REDIS_URL;
    const announce = async (key: string): Promise<boolean> => {
      if (!redisUrl) return false;
      const logger = createLogger({ ...config, LOG_LEVEL: "silent" });
      const options = {
        url: redisUrl,
        connectTimeoutMs: config.REDIS_CONNECT_TIMEOUT_MS,
        // A one-off publish from an operator's shell: allow more than a request's budget.
        commandTimeoutMs: Math.max(config.REDIS_COMMAND_TIMEOUT_MS, 1000),
      };
      const client = createRedisClient(options, logger);
      try {
        const connected = await connectRedis(client, config.REDIS_CONNECT_TIMEOUT_MS, logger);
        return connected && (await announceChange(client, config.PLATFORM_STATE_CHANNEL, key));
      } finally {
        await closeRedis(client);
      }
    };
    const record = switchChangeRecorder(systemClock);
    return work({ db: handle.db, clock: systemClock, announce, record }, config).catch((error: Error) => {
      // With MIGRATE_ON_START=false nothing creates the table: say what to do about it.
      if (/platform_state/.test(error.message)) {
        throw new Error(`${error.message} (is the database migrated? run \`rampart migrate up\`)`);
      }
      throw error;
    });
  });
}

function changed(record: ChangeRecord): string {
  return record.updatedAt ? `since ${record.updatedAt} by ${record.updatedBy ?? "unknown"}` : "never set";
}

function describeKillSwitch(state: KillSwitchState): string {
  if (!state.enabled) {
    const why = state.reason ? `; reason: ${state.reason}` : "";
    return `kill switch: off (${changed(state)}${why})\n`;
  }
  return `kill switch: ON (${changed(state)})\n  reason: ${state.reason ?? ""}\n  retry-after: ${state.retryAfterSeconds} s\n`;
}

function propagation(announced: boolean, config: Config): string {
  return announced
    ? "announced to running instances over Redis\n"
    : `running instances pick it up within PLATFORM_STATE_POLL_MS (${config.PLATFORM_STATE_POLL_MS} ms)${config.REDIS_URL ? "; Redis could not be reached to announce it" : ""}\n`;
}

export const killSwitchStatusCommand: CliCommand = {
  name: "kill-switch status",
  summary: "Show whether the kill switch is on, its public reason, and who changed it when",
  run: (_args, io) =>
    withControl(io, async (control) => {
      io.stdout.write(describeKillSwitch((await readSnapshot(control.db)).killSwitch));
      return 0;
    }),
};

export const killSwitchEnableCommand: CliCommand = {
  name: "kill-switch enable",
  summary: "Answer every API request with 503 and this public reason (health and metrics stay up)",
  usage: 'rampart kill-switch enable --reason "…" [--retry-after 300]',
  options: { reason: { type: "string" }, "retry-after": { type: "string" } },
  async run(args, io) {
    const raw = args.values["retry-after"];
    const retryAfterSeconds = raw === undefined ? undefined : Number(raw);
    const change = { enabled: true, reason: args.values.reason as string | undefined, retryAfterSeconds };
    const problem = killSwitchChangeProblem(change);
    if (problem) throw new UsageError(`--${problem.field === "reason" ? "reason" : "retry-after"}: ${problem.message}`);
    return withControl(io, async (control, config) => {
      const { state, announced } = await setKillSwitch(control, change, cliActor(io));
      io.stdout.write(describeKillSwitch(state) + propagation(announced, config));
      return 0;
    });
  },
};

export const killSwitchDisableCommand: CliCommand = {
  name: "kill-switch disable",
  summary: "Serve requests again",
  usage: 'rampart kill-switch disable [--reason "…"]',
  options: { reason: { type: "string" } },
  async run(args, io) {
    const change = { enabled: false, reason: args.values.reason as string | undefined };
    const problem = killSwitchChangeProblem(change);
    if (problem) throw new UsageError(`--reason: ${problem.message}`);
    return withControl(io, async (control, config) => {
      const { state, announced } = await setKillSwitch(control, change, cliActor(io));
      io.stdout.write(describeKillSwitch(state) + propagation(announced, config));
      return 0;
    });
  },
};

export const flagsListCommand: CliCommand = {
  name: "flags list",
  summary: "List the feature flags: on or off, default, who changed each when",
  run: (_args, io) =>
    withControl(io, async (control) => {
      const { flags } = await readSnapshot(control.db);
      const width = Math.max(...FLAG_NAMES.map((n) => n.length));
      for (const name of FLAG_NAMES) {
        const flag = flags[name];
        const value = flag.enabled ? "on " : "off";
        io.stdout.write(
          `${name.padEnd(width)}  ${value}  (default ${flag.default ? "on" : "off"}; ${changed(flag)})  ${flag.description}\n`,
        );
      }
      return 0;
    }),
};

export const flagsSetCommand: CliCommand = {
  name: "flags set",
  summary: "Turn a feature flag on or off",
  usage: `rampart flags set NAME on|off   (NAME: ${FLAG_NAMES.join(", ")})`,
  positionals: true,
  async run(args, io) {
    const [name, value, ...extra] = args.positionals;
    if (name === undefined || value === undefined || extra.length > 0) throw new UsageError("expected NAME on|off");
    if (!isFlagName(name)) throw new UsageError(`unknown flag "${name}" (known: ${FLAG_NAMES.join(", ")})`);
    if (value !== "on" && value !== "off") throw new UsageError(`expected on or off, not "${value}"`);
    return withControl(io, async (control, config) => {
      const { state, announced } = await setFlag(control, name, value === "on", cliActor(io));
      io.stdout.write(`${name}: ${state.enabled ? "on" : "off"}\n${propagation(announced, config)}`);
      return 0;
    });
  },
};
