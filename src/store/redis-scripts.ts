import { luaScript } from './redis-connection.js'

/*
 * Each script runs atomically inside Redis: no other client's command can
 * come between its check and its writes, which is what makes a change a
 * compare-and-set and keeps the audit entry and the broadcast with it.
 *
 * Atomic is not transactional: a command that fails inside a script stops
 * it, but what the script already wrote stays written. So the audit entry
 * is appended first and the state written after it: an XADD that Redis
 * refuses (the audit key holding another type, maxmemory reached, which
 * Redis checks on a script's first write only) leaves the state as it was.
 * The state's SET cannot fail once the XADD has succeeded, and the PUBLISH
 * that follows is only a hint.
 */

/**
 * KEYS: state, audit. ARGV: the version the change was computed from, the
 * new state, its audit entry, the audit's max length, the changes channel,
 * the Redis time (ms) after which the change must not be applied.
 * Returns {'ok', version} | {'mismatch', stored version or -1} |
 * {'corrupt', 0} | {'late', 0}.
 *
 * The deadline matters when Redis stalls: the instance has told the admin
 * the change failed, and a Redis that wakes up must not apply it then.
 */
export const compareAndSet = luaScript(`
local time = redis.call('TIME')
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > tonumber(ARGV[6]) then
  return {'late', 0}
end
local stored = redis.call('GET', KEYS[1])
local version = -1
if stored then
  local ok, doc = pcall(cjson.decode, stored)
  if not ok or type(doc) ~= 'table' or type(doc['version']) ~= 'number' then
    return {'corrupt', 0}
  end
  version = doc['version']
end
if version ~= tonumber(ARGV[1]) then
  return {'mismatch', version}
end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'entry', ARGV[3])
redis.call('SET', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[5], ARGV[2])
return {'ok', version}
`)

/**
 * KEYS: state, audit. ARGV: the state to store when none is, its audit
 * entry, the audit's max length, the changes channel. Returns what is stored.
 */
export const storeUnlessPresent = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'entry', ARGV[2])
  redis.call('SET', KEYS[1], ARGV[1])
  redis.call('PUBLISH', ARGV[4], ARGV[1])
end
return redis.call('GET', KEYS[1])
`)

/*
 * The instance scripts take the time from Redis, not from the instance:
 * instances whose clocks disagree still agree on who is stale.
 */

/**
 * KEYS: instances seen (sorted set by last-seen ms), instance reports (hash).
 * ARGV: instance id, its report (JSON without id and seenAt), forget after
 * ms, the instances channel, keep the keys this many ms after the last
 * heartbeat. Returns the Redis time in ms.
 */
export const heartbeat = luaScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local forgotten = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[3])))
for _, id in ipairs(forgotten) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
end
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('PUBLISH', ARGV[4], ARGV[1])
return now
`)

/**
 * KEYS: instances seen, instance reports. ARGV: forget after ms.
 * Returns a flat list: the Redis time in ms, then id, last seen ms, report,
 * id, last seen ms, report… for every instance not yet forgotten.
 */
export const knownInstances = luaScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local seen = redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[1]), '+inf', 'WITHSCORES')
local out = {tostring(now)}
for i = 1, #seen, 2 do
  local report = redis.call('HGET', KEYS[2], seen[i])
  if report then
    table.insert(out, seen[i])
    table.insert(out, seen[i + 1])
    table.insert(out, report)
  end
end
return out
`)

/** KEYS: instances seen, instance reports. ARGV: instance id, the instances channel. */
export const leave = luaScript(`
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[1])
return 1
`)
