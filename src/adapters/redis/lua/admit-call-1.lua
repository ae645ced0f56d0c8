--[[
  Counts an inbound call into the centre's active calls unless the centre is at capacity, in one
  atomic step, so two gateway instances cannot both take the last place. Each entry carries a
  lease deadline its instance renews; entries of a dead instance lapse and are dropped here.

  KEYS[1] active calls zset (call id → lease deadline, ms)
  ARGV[1] now (ms)   ARGV[2] lease (ms)   ARGV[3] capacity   ARGV[4] call id
  ARGV[5] "1" to count the call in above capacity (emergency transfers)
  Output: { admitted (1|0), active calls after }
]]
local now = tonumber(ARGV[1])
local deadline = now + tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local n = redis.call('ZCARD', KEYS[1])
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then
  redis.call('ZADD', KEYS[1], deadline, ARGV[4])
  return { 1, n }
end
if ARGV[5] ~= '1' and n >= tonumber(ARGV[3]) then
  return { 0, n }
end
redis.call('ZADD', KEYS[1], deadline, ARGV[4])
return { 1, n + 1 }
