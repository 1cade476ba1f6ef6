import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import { closeRedis } from "./connect.ts";

export interface ChannelSubscriber {
  close(): Promise<void>;
}

export interface ChannelOptions {
  readonly channel: string;
  /** Bounds the SUBSCRIBE command and how long creation waits for the first subscription. */
  readonly timeoutMs: number;
  onMessage(raw: string): void;
  /**
   * Called each time the subscription is (re)established, with `again` true after a reconnect.
   * Messages published while we were not subscribed are lost for good (pub/sub does not
   * queue), so the caller resynchronises here from the source of truth.
   */
  onSubscribed(again: boolean): void;
}

/**
 * Listens on one channel through a duplicate of the shared connection (a subscribed
 * connection can run no other command). Reconnects forever with the shared client's
 * backoff; waits for the first subscription only when Redis is up now, and only `timeoutMs`.
 */
export async function subscribeToChannel(client: Redis, options: ChannelOptions): Promise<ChannelSubscriber> {
  const subscriber = client.duplicate({ lazyConnect: true, autoResubscribe: false, commandTimeout: options.timeoutMs });
  let everSubscribed = false;
  let notifyFirst: () => void = () => {};
  const firstSubscription = new Promise<void>((resolve) => {
    notifyFirst = resolve;
  });

  // The shared client already logs connection incidents once; without a listener ioredis would print each error.
  subscriber.on("error", () => {});
  subscriber.on("ready", () => {
    subscriber.subscribe(options.channel).then(
      () => {
        options.onSubscribed(everSubscribed);
        everSubscribed = true;
        notifyFirst();
      },
      // The connection is failing again; the next "ready" retries.
      () => {},
    );
  });
  subscriber.on("message", (channel: string, raw: string) => {
    if (channel === options.channel) options.onMessage(raw);
  });

  subscriber.connect().catch(() => {});
  if (client.status === "ready") {
    const stopWaiting = new AbortController();
    const waited = sleep(options.timeoutMs, undefined, { signal: stopWaiting.signal }).catch(() => {});
    await Promise.race([firstSubscription, waited]);
    stopWaiting.abort();
  }
  return { close: () => closeRedis(subscriber) };
}
