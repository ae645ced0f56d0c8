--[[
  Settles a lease: marks what the core acknowledged (delivered) or refused for good (failed),
  puts every other intake of the lease back in its old place, and frees the lease's citizens.
  Shared by every outbox (intakes, call records: see redis-outbox-queue.ts); "intake" reads "item",
  "citizen" reads "group".

  KEYS[1] outbox ready zset   KEYS[2] outbox in-flight zset
  KEYS[3] citizen locks hash  KEYS[4] outbox failed zset
  ARGV[1] lease id   ARGV[2] intake key prefix   ARGV[3] now (ms)   ARGV[4] retention (s)
  ARGV[5] number of settlements n, then n × { id, outcome, work order id or error, duplicate }
  then the ids of the whole lease.
  Output: number of intakes put back.
]]
local prefix = ARGV[2]
local n = tonumber(ARGV[5])
local settled = {}
local i = 6
for _ = 1, n do
  local id, outcome, info, dup = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  i = i + 4
  local h = prefix .. id
  settled[id] = true
  if redis.call('EXISTS', h) == 1 and redis.call('HGET', h, 'status') == 'queued' then
    redis.call('ZREM', KEYS[1], id) -- a lapsed lease may have put it back meanwhile
    redis.call('ZREM', KEYS[2], id)
    redis.call('HDEL', h, 'lease')
    if outcome == 'delivered' then
      redis.call('HSET', h, 'status', 'delivered', 'deliveredAt', ARGV[3], 'workOrderId', info, 'duplicate', dup)
      redis.call('EXPIRE', h, ARGV[4])
    else
      redis.call('HSET', h, 'status', 'failed', 'failedAt', ARGV[3], 'error', info)
      redis.call('ZADD', KEYS[4], ARGV[3], id)
    end
  end
end
local returned = 0
local lockPrefix = ARGV[1] .. '|'
for j = i, #ARGV do
  local id = ARGV[j]
  local h = prefix .. id
  local fields = redis.call('HMGET', h, 'citizen', 'score', 'status', 'lease')
  local citizen, score, status, lease = fields[1], fields[2], fields[3], fields[4]
  if not settled[id] and status == 'queued' and lease == ARGV[1] then
    redis.call('ZREM', KEYS[2], id)
    redis.call('ZADD', KEYS[1], score, id)
    redis.call('HDEL', h, 'lease')
    returned = returned + 1
  end
  if citizen then
    local lock = redis.call('HGET', KEYS[3], citizen)
    if lock and string.sub(lock, 1, #lockPrefix) == lockPrefix then
      redis.call('HDEL', KEYS[3], citizen)
    end
  end
end
return returned
