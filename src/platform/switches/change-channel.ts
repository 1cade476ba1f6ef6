import type { Redis } from "ioredis";
import { type ChannelSubscriber, subscribeToChannel } from "../redis/subscribe.ts";

/**
 * "platform_state changed": the message carries no state, only a nudge. Every instance
 * re-reads the database on it, so a message that is forged, duplicated or out of order
 * can at worst cause one extra read, never a wrong state.
 */
export async function announceChange(client: Redis, channel: string, key: string): Promise<boolean> {
  try {
    await client.publish(channel, JSON.stringify({ key }));
    return true;
  } catch {
    // Redis down or slow: instances still see the change on their next poll of the database.
    return false;
  }
}

export function listenForChanges(
  client: Redis,
  options: { channel: string; timeoutMs: number; onChange(): void },
): Promise<ChannelSubscriber> {
  return subscribeToChannel(client, {
    channel: options.channel,
    timeoutMs: options.timeoutMs,
    onMessage: () => options.onChange(),
    // Changes announced while we were not subscribed were lost: read the database now.
    onSubscribed: () => options.onChange(),
  });
}
