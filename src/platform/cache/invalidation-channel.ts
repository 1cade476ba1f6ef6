import type { Redis } from "ioredis";
import type { Logger } from "../logging/logger.ts";
import { subscribeToChannel } from "../redis/subscribe.ts";

/** "Forget this key (or every key starting with it) of this namespace version." */
export interface Invalidation {
  readonly namespace: string;
  readonly version: number;
  readonly key: string;
  readonly byPrefix: boolean;
}

interface Message {
  readonly from: string;
  readonly ns: string;
  readonly v: number;
  readonly key: string;
  readonly prefix: boolean;
}

export function encodeInvalidation(from: string, invalidation: Invalidation): string {
  const message: Message = {
    from,
    ns: invalidation.namespace,
    v: invalidation.version,
    key: invalidation.key,
    prefix: invalidation.byPrefix,
  };
  return JSON.stringify(message);
}

/** Undefined for anything that is not our message (the channel is shared by a deployment, not by strangers, but be strict). */
export function decodeInvalidation(raw: string): { from: string; invalidation: Invalidation } | undefined {
  try {
    const m = JSON.parse(raw) as Partial<Message>;
    if (
      typeof m.from !== "string" ||
      typeof m.ns !== "string" ||
      typeof m.v !== "number" ||
      typeof m.key !== "string" ||
      typeof m.prefix !== "boolean"
    ) {
      return undefined;
    }
    return { from: m.from, invalidation: { namespace: m.ns, version: m.v, key: m.key, byPrefix: m.prefix } };
  } catch {
    return undefined;
  }
}

export interface InvalidationSubscriber {
  close(): Promise<void>;
}

export interface SubscribeOptions {
  readonly channel: string;
  /** Bounds the SUBSCRIBE command and how long creation waits for the first subscription. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  onInvalidation(from: string, invalidation: Invalidation): void;
  /**
   * Called each time the subscription is (re)established. Messages published while we were
   * not subscribed are lost for good (pub/sub does not queue), so the caller drops its local
   * layer here rather than trust entries that may have been invalidated meanwhile.
   */
  onSubscribed(): void;
}

/** Listens for invalidations on the shared channel (see subscribeToChannel for reconnects). */
export async function subscribeToInvalidations(
  client: Redis,
  options: SubscribeOptions,
): Promise<InvalidationSubscriber> {
  return subscribeToChannel(client, {
    channel: options.channel,
    timeoutMs: options.timeoutMs,
    onMessage(raw) {
      const decoded = decodeInvalidation(raw);
      if (decoded) options.onInvalidation(decoded.from, decoded.invalidation);
    },
    onSubscribed(again) {
      if (again) options.logger.info("cache: invalidation channel resubscribed; in-process layer cleared");
      options.onSubscribed();
    },
  });
}
