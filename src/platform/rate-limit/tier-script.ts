import type { Redis } from "ioredis";

/**
 * A tier's three fixed windows (minute, burst, hour) consumed in one Redis round trip,
 * with exactly the order and rules of the in-memory path in limiter.ts: the minute window
 * always counts; the burst allowance counts only once the minute window is spent; the hour
 * window counts only for a request still allowed. Each window is rate-limiter-flexible's
 * fixed window — `SET key 0 EX duration NX`, `INCRBY key 1`, `PTTL key` — under the same
 * key names, so counters carry over from the previous implementation and across versions
 * in a rolling upgrade.
 *
 * Returns seven integers: consumed and PTTL of the minute, burst and hour windows (-1 for a
 * window not consulted), then how many requests the call counted. That is 1, unless the
 * caller asked for a lease (`ARGV[7]` > 1) and both the minute and the hour window are far
 * from spent (at least `ARGV[8]` left in each): then up to `ARGV[7]` requests, never more
 * than an eighth of what is left, are counted at once and the caller serves them from
 * memory (lease.ts). Counting ahead never lets more requests through than the limit. A call
 * for a lease alone (`ARGV[9]` = 1: a lease counted ahead, before any request needs it)
 * counts nothing when no lease can be given, and returns 0 as its last integer.
 */
const TIER_CONSUME_LUA = `
local function take(key, duration)
  redis.call('set', key, 0, 'EX', duration, 'NX')
  local consumed = redis.call('incrby', key, 1)
  return consumed, redis.call('pttl', key)
end
local want = tonumber(ARGV[7] or '1')
if want > 1 then
  local floor = tonumber(ARGV[8])
  local leftMinute = tonumber(ARGV[1]) - tonumber(redis.call('get', KEYS[1]) or '0')
  local leftHour = tonumber(ARGV[5]) - tonumber(redis.call('get', KEYS[3]) or '0')
  if leftMinute >= floor and leftHour >= floor then
    local n = math.min(want, math.floor(math.min(leftMinute, leftHour) / 8))
    if n > 1 then
      redis.call('set', KEYS[1], 0, 'EX', ARGV[2], 'NX')
      redis.call('set', KEYS[3], 0, 'EX', ARGV[6], 'NX')
      local minute = redis.call('incrby', KEYS[1], n)
      local hour = redis.call('incrby', KEYS[3], n)
      return {minute, redis.call('pttl', KEYS[1]), -1, -1, hour, redis.call('pttl', KEYS[3]), n}
    end
  end
  if ARGV[9] == '1' then return {-1, -1, -1, -1, -1, -1, 0} end
end
local result = {-1, -1, -1, -1, -1, -1, 1}
local minute, minuteTtl = take(KEYS[1], ARGV[2])
result[1] = minute
result[2] = minuteTtl
if minute > tonumber(ARGV[1]) then
  if tonumber(ARGV[3]) <= 0 then return result end
  local burst, burstTtl = take(KEYS[2], ARGV[4])
  result[3] = burst
  result[4] = burstTtl
  if burst > tonumber(ARGV[3]) then return result end
end
local hour, hourTtl = take(KEYS[3], ARGV[6])
result[5] = hour
result[6] = hourTtl
return result
`;

const COMMAND = "rampartConsumeTier";

export interface WindowSpec {
  readonly keyPrefix: string;
  readonly points: number;
  readonly durationSeconds: number;
}

export interface TierCounts {
  readonly minute: { consumed: number; ttlMs: number };
  readonly burst?: { consumed: number; ttlMs: number };
  readonly hour?: { consumed: number; ttlMs: number };
  /** Requests counted by this call: 1, or a lease's size (the counts are then after all of them); 0 when a call for a lease alone got none. */
  readonly counted: number;
}

/** A lease request: up to `size` requests at once, when at least `floor` are left in both windows. */
export interface LeaseRequest {
  readonly size: number;
  readonly floor: number;
  /** Counted ahead for no request in particular: a lease or nothing, never one request alone. */
  readonly leaseOnly?: boolean;
}

type ScriptedRedis = Redis & {
  [COMMAND](...keysAndArgs: (string | number)[]): Promise<number[]>;
};

/** Counts one request of `key` in a tier's windows; rejects when Redis fails or is slower than its command timeout. */
export async function consumeTierInRedis(
  client: Redis,
  key: string,
  windows: { minute: WindowSpec; burst: WindowSpec | undefined; hour: WindowSpec },
  lease: LeaseRequest,
): Promise<TierCounts> {
  const scripted = client as ScriptedRedis;
  // EVALSHA with a transparent EVAL on NOSCRIPT (ioredis); defined once per client.
  if (typeof scripted[COMMAND] !== "function")
    client.defineCommand(COMMAND, { numberOfKeys: 3, lua: TIER_CONSUME_LUA });
  const { minute, burst, hour } = windows;
  const [m = -1, mt = -1, b = -1, bt = -1, h = -1, ht = -1, n = 1] = await scripted[COMMAND](
    `${minute.keyPrefix}:${key}`,
    `${(burst ?? minute).keyPrefix}:${key}`,
    `${hour.keyPrefix}:${key}`,
    minute.points,
    minute.durationSeconds,
    burst?.points ?? 0,
    burst?.durationSeconds ?? 1,
    hour.points,
    hour.durationSeconds,
    lease.size,
    lease.floor,
    lease.leaseOnly ? 1 : 0,
  );
  return {
    counted: n,
    minute: { consumed: m, ttlMs: mt },
    ...(b >= 0 ? { burst: { consumed: b, ttlMs: bt } } : {}),
    ...(h >= 0 ? { hour: { consumed: h, ttlMs: ht } } : {}),
  };
}
