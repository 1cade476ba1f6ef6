import { Socket } from "node:net";

/**
 * Real PostgreSQL and Redis for the suites that need them. A suite asks for a service's
 * URL at module load; when the service is unreachable it gets `undefined` plus a skip
 * reason — unless REQUIRE_SERVICES=1 (set by .ci/run), where unreachable is a failure.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

function reachable(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const defaultPort = url.startsWith("redis") ? 6379 : 5432;
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(Number(port || defaultPort), hostname, () => done(true));
  });
}

export interface ServiceAvailability {
  /** The URL when the service answers, else undefined. */
  readonly url: string | undefined;
  /** `false` when available, else the reason, for `describe(name, { skip })`. */
  readonly skip: false | string;
}

async function availability(name: string, url: string): Promise<ServiceAvailability> {
  if (await reachable(url)) return { url, skip: false };
  const reason = `${name} unreachable at ${new URL(url).host}; start it or unset REQUIRE_SERVICES`;
  if (process.env.REQUIRE_SERVICES === "1") throw new Error(`REQUIRE_SERVICES=1 but ${reason}`);
  process.stderr.write(`# skipping: ${reason}\n`);
  return { url: undefined, skip: reason };
}

export function postgres(): Promise<ServiceAvailability> {
  return availability("PostgreSQL", TEST_DATABASE_URL);
}

export function redis(): Promise<ServiceAvailability> {
  return availability("Redis", TEST_REDIS_URL);
}
