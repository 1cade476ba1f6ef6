import { Gauge, type Registry } from "prom-client";
import type { DatabaseHandle } from "../db/connect.ts";
import { withTimeout } from "../timeout.ts";

/** A scrape never waits long on a database that is away: the gauges are then left out. */
const SCRAPE_TIMEOUT_MS = 1000;

/**
 * The durable mail queue as an operator watches it: how many mails wait (including those
 * in backoff) and how old the oldest is. A growing age means mail is not leaving — SMTP
 * down or refusing — while requests still succeed.
 */
export function registerMailQueueMetrics(registry: Registry, database: DatabaseHandle): void {
  const read = () =>
    withTimeout(
      database.db
        .selectFrom("mail_queue")
        .select((eb) => [eb.fn.countAll<number>().as("n"), eb.fn.min("created_at").as("oldest")])
        .executeTakeFirst(),
      SCRAPE_TIMEOUT_MS,
      "mail queue",
    ).catch(() => undefined);
  let pending: ReturnType<typeof read> | undefined;
  // Both gauges come from one query per scrape.
  const once = () => {
    if (!pending) {
      pending = read();
      void pending.finally(() =>
        setImmediate(() => {
          pending = undefined;
        }),
      );
    }
    return pending;
  };
  new Gauge({
    name: "rampart_mail_queue_messages",
    help: "Mails waiting in the durable queue (due or in backoff)",
    registers: [registry],
    async collect() {
      const row = await once();
      if (row) this.set(Number(row.n));
    },
  });
  new Gauge({
    name: "rampart_mail_queue_oldest_age_seconds",
    help: "Age of the oldest mail waiting in the durable queue; 0 when it is empty",
    registers: [registry],
    async collect() {
      const row = await once();
      if (row) this.set(row.oldest ? Math.max(0, (Date.now() - Date.parse(String(row.oldest))) / 1000) : 0);
    },
  });
}
