import type { Redis } from "ioredis";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import type { Logger } from "../logging/logger.ts";
import type { ChannelSubscriber } from "../redis/subscribe.ts";
import { listenForChanges } from "./change-channel.ts";
import { readSnapshot } from "./control.ts";
import type { FlagName } from "./feature-flags.ts";
import { type PlatformSnapshot, snapshotFrom } from "./state.ts";

/**
 * This instance's copy of the kill switch and feature flags. Requests read it from memory
 * (no query per request); it is refreshed from the database on every change announced over
 * Redis and, whatever Redis does, every `pollMs` — so a change reaches every instance
 * within `pollMs` plus one read even when a message is lost or Redis is absent.
 */
export interface Switchboard {
  current(): PlatformSnapshot;
  isEnabled(flag: FlagName): boolean;
  /** Re-reads the database now (after a change made by this instance). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

export interface SwitchboardOptions {
  readonly db: Kysely<Database>;
  readonly redis: Redis | undefined;
  readonly channel: string;
  readonly pollMs: number;
  readonly subscribeTimeoutMs: number;
  readonly logger: Logger;
}

export async function createSwitchboard(options: SwitchboardOptions): Promise<Switchboard> {
  const { logger } = options;
  let snapshot = snapshotFrom([]);
  let running: Promise<void> | undefined;
  let again = false;
  let failing = false;
  let closed = false;

  function adopt(next: PlatformSnapshot): void {
    const before = snapshot.killSwitch;
    const after = next.killSwitch;
    if (after.enabled !== before.enabled || (after.enabled && after.updatedAt !== before.updatedAt)) {
      const who = { reason: after.reason, by: after.updatedBy, at: after.updatedAt };
      if (after.enabled) logger.warn({ killSwitch: who }, "kill switch is on: API requests answer 503");
      else logger.info({ killSwitch: who }, "kill switch is off");
    }
    for (const name of Object.keys(next.flags) as FlagName[]) {
      const flag = next.flags[name];
      if (flag.enabled !== snapshot.flags[name].enabled) {
        logger.info(
          { flag: { name, enabled: flag.enabled, by: flag.updatedBy, at: flag.updatedAt } },
          "feature flag changed",
        );
      }
    }
    snapshot = next;
  }

  async function load(): Promise<void> {
    try {
      adopt(await readSnapshot(options.db));
      if (failing) logger.info("platform state readable again");
      failing = false;
    } catch (error) {
      // Keep enforcing the last state read: a database blip must neither lift nor set the kill switch.
      if (!failing)
        logger.warn(
          { err: { message: (error as Error).message } },
          "platform state unreadable; keeping the last state",
        );
      failing = true;
    }
  }

  /** One read at a time; a request for another while one runs is served by one more read after it. */
  function refresh(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await load();
      } while (again && !closed);
      running = undefined;
    })();
    return running;
  }

  await refresh();
  const timer = setInterval(() => void refresh(), options.pollMs);
  timer.unref();
  let subscriber: ChannelSubscriber | undefined;
  if (options.redis) {
    subscriber = await listenForChanges(options.redis, {
      channel: options.channel,
      timeoutMs: options.subscribeTimeoutMs,
      onChange: () => void refresh(),
    });
  }

  return {
    current: () => snapshot,
    isEnabled: (flag) => snapshot.flags[flag].enabled,
    refresh,
    async close() {
      closed = true;
      clearInterval(timer);
      await subscriber?.close();
      await running;
    },
  };
}
