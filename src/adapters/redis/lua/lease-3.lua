--[[
  Leases up to ARGV[3] queued intakes in queue order (critical first, then acceptance order),
  skipping a citizen whose earlier intake another lease is delivering, so each citizen's intakes
  reach the core in the order they were accepted.
  First it puts back the intakes of lapsed leases (a worker that died or hung), in this same
  atomic step: a dead worker's earlier intake is back in line before a later intake of the same
  citizen can be leased. The core's idempotency makes a second delivery harmless.
  Shared by every outbox (intakes, call records: see redis-outbox-queue.ts); "intake" reads "item",
  "citizen" reads "group".

  KEYS[1] outbox ready zset   KEYS[2] outbox in-flight zset   KEYS[3] citizen locks hash
  ARGV[1] now (ms)            ARGV[2] lease duration (ms)     ARGV[3] max intakes
  ARGV[4] how many queued intakes to look at
  ARGV[5] lease id            ARGV[6] intake key prefix
  Output: flat list { id, record, attempts, id, record, attempts, … }
]]
local now = tonumber(ARGV[1])
local deadline = now + tonumber(ARGV[2])
local max = tonumber(ARGV[3])
local leaseId = ARGV[5]

local lapsed = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 1000)
for _, id in ipairs(lapsed) do
  local h = ARGV[6] .. id
  redis.call('ZREM', KEYS[2], id)
  local f = redis.call('HMGET', h, 'citizen', 'score', 'status')
  if f[3] == 'queued' then
    redis.call('ZADD', KEYS[1], f[2], id)
    redis.call('HDEL', h, 'lease')
  end
end

local ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[4]) - 1)
local out = {}
local taken = 0
local blocked = {}
local mine = {}
for _, id in ipairs(ids) do
  if taken >= max then break end
  local h = ARGV[6] .. id
  local fields = redis.call('HMGET', h, 'record', 'citizen')
  local record, citizen = fields[1], fields[2]
  if not record then
    redis.call('ZREM', KEYS[1], id) -- a queue entry whose record is gone: nothing to deliver
  elseif not blocked[citizen] then
    local free = mine[citizen]
    if not free then
      local lock = redis.call('HGET', KEYS[3], citizen)
      free = true
      if lock then
        local sep = string.find(lock, '|', 1, true)
        local lockDeadline = tonumber(string.sub(lock, sep + 1))
        if lockDeadline > now then free = false end
      end
    end
    if free then
      mine[citizen] = true
      redis.call('HSET', KEYS[3], citizen, leaseId .. '|' .. string.format('%.0f', deadline))
      redis.call('ZREM', KEYS[1], id)
      redis.call('ZADD', KEYS[2], deadline, id)
      local attempts = redis.call('HINCRBY', h, 'attempts', 1)
      redis.call('HSET', h, 'lease', leaseId)
      out[#out + 1] = id
      out[#out + 1] = record
      out[#out + 1] = attempts
      taken = taken + 1
    else
      blocked[citizen] = true
    end
  end
end
return out
