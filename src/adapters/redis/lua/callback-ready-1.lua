--[[
  The busy-time callbacks that may be dialled now: first promotes at most ARGV[4] callbacks whose
  due time has come from `later` into their queues' ready sets, then reads the head of each
  queue's ready set. Bounded work whatever the number pending (heads of sorted sets only).

  KEYS[1] later zset
  ARGV[1] callback prefix  ARGV[2] now ms  ARGV[3] at most this many per queue
  ARGV[4] promote at most this many  ARGV[5..] queues
  Output: flat {id, json, revision, …}, each id once, queue by queue
]]
--!include callback-lib
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[4]))
for _, id in ipairs(due) do
  local h = redis.call('HMGET', rec_key(id), 'req', 'qs')
  if h[1] then
    for _, q in ipairs(split(h[2])) do redis.call('ZADD', ready_key(q), h[1], id) end
  end
  redis.call('ZREM', KEYS[1], id)
end
local out, seen = {}, {}
local n = tonumber(ARGV[3])
for i = 5, #ARGV do
  for _, id in ipairs(redis.call('ZRANGE', ready_key(ARGV[i]), 0, n - 1)) do
    if not seen[id] then
      seen[id] = true
      local h = redis.call('HMGET', rec_key(id), 'json', 'rev')
      if h[1] then
        out[#out + 1] = id
        out[#out + 1] = h[1]
        out[#out + 1] = h[2]
      end
    end
  end
end
return out
