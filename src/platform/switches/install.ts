import type { FastifyInstance } from "fastify";
import type { Config } from "../../config/settings/index.ts";
import type { Deps } from "../deps.ts";
import { announceChange } from "./change-channel.ts";
import type { ControlDeps, SwitchChangeRecorder } from "./control.ts";
import { installSwitchEnforcement } from "./enforce.ts";
import { registerSwitchMetrics } from "./metrics.ts";
import { createSwitchboard, type Switchboard } from "./switchboard.ts";

export interface Switches {
  readonly switchboard: Switchboard;
  readonly control: ControlDeps;
}

/**
 * Loads the kill switch and flags, keeps them current (Redis announcements + polling) and
 * enforces them on every request; the switchboard stops when the app closes.
 */
export async function installSwitches(
  app: FastifyInstance,
  config: Config,
  deps: Pick<Deps, "database" | "redis" | "logger" | "clock" | "metrics">,
  record: SwitchChangeRecorder,
): Promise<Switches> {
  const channel = config.PLATFORM_STATE_CHANNEL;
  const switchboard = await createSwitchboard({
    db: deps.database.db,
    redis: deps.redis,
    channel,
    pollMs: config.PLATFORM_STATE_POLL_MS,
    subscribeTimeoutMs: config.REDIS_CONNECT_TIMEOUT_MS,
    logger: deps.logger,
  });
  app.addHook("onClose", () => switchboard.close());
  registerSwitchMetrics(deps.metrics, switchboard);
  installSwitchEnforcement(app, switchboard, config.KILL_SWITCH_ALLOWED_PATHS);
  const redis = deps.redis;
  const control: ControlDeps = {
    db: deps.database.db,
    clock: deps.clock,
    announce: async (key) => (redis ? announceChange(redis, channel, key) : false),
    record,
  };
  return { switchboard, control };
}
