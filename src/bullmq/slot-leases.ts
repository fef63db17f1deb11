/**
 * The Redis connection the fleet needs: one generic `call`, with which it runs Lua scripts (`EVAL`) only. An ioredis
 * client (`new Redis(url, { maxRetriesPerRequest: null })`) fits as it is, as does BullMQ's own connection.
 */
export interface FleetRedis {
  call: (command: string, ...args: (string | number)[]) => Promise<unknown>
}

// One sorted set per server: members are job ids, scores the epoch ms their lease ends (Redis's own clock, so the
// workers' clocks do not matter). Expired leases (their worker died) are dropped before counting.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`
const ACQUIRE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) or ARGV[4] == '1' then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
  return 1
end
return 0`
const RELEASE = `redis.call('ZREM', KEYS[1], ARGV[1]) return 1`
const COUNT = `${NOW}
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('ZCOUNT', key, '(' .. now, '+inf') end
return out`

/**
 * Leases of server slots shared by every worker of a fleet: at most `cap` live leases per server. A lease lasts `ttl`
 * ms and is renewed while its task runs, so the slots of a worker that died free themselves.
 */
export interface SlotLeases {
  /** Takes a slot on `server` for `jobId` if one is free (or `jobId` already holds one); `true` when taken. */
  acquire: (server: string, jobId: string) => Promise<boolean>
  /** Takes or renews the slot of a job whose task is already on `server`, even past the cap (it is there anyway). */
  hold: (server: string, jobId: string) => Promise<void>
  release: (server: string, jobId: string) => Promise<void>
  /** Live leases per server, in the order given. */
  counts: (servers: readonly string[]) => Promise<number[]>
}

export function createSlotLeases(redis: FleetRedis, options: { prefix: string, cap: number, ttl: number }): SlotLeases {
  const key = (server: string): string => `${options.prefix}:slots:${server}`
  const cap = Number.isFinite(options.cap) ? options.cap : Number.MAX_SAFE_INTEGER
  // A Lua script run atomically by Redis (the command named EVAL), never anything evaluated in this process.
  const script = (lua: string, keys: readonly string[], ...args: (string | number)[]): Promise<unknown> => redis.call('EVAL', lua, keys.length, ...keys, ...args)
  return {
    acquire: async (server, jobId) => (await script(ACQUIRE, [key(server)], jobId, cap, options.ttl, '0')) === 1,
    hold: async (server, jobId) => void await script(ACQUIRE, [key(server)], jobId, cap, options.ttl, '1'),
    release: async (server, jobId) => void await script(RELEASE, [key(server)], jobId),
    counts: async servers => (servers.length === 0 ? [] : (await script(COUNT, servers.map(key)) as number[]).map(Number)),
  }
}
