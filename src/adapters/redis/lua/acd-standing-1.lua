--[[
  Where a waiting call stands, with what the estimated wait needs: its queue and position, when
  it first queued and when it entered this queue, agents logged in and available with the queue's
  skill, and the queue's recent handle times.

  KEYS[1] call hash
  ARGV[1] ACD prefix  ARGV[2] call id  ARGV[3] handle times to read
  Output: false for an unknown call; else {queue, state, position (0 unless waiting), enq ms,
          in-queue-since ms, staffed, available, handle times…}
]]
--!include acd-lib
local state, queue, skill, enq, qsince = unpack(redis.call('HMGET', KEYS[1], 'state', 'queue', 'skill', 'enq', 'qsince'))
if not state then return false end
local position = 0
if state == 'waiting' then position = redis.call('ZRANK', queue_key(queue), ARGV[2]) + 1 end
local available = redis.call('ZCARD', avail_key(skill))
local out = { queue, state, position, enq, qsince, redis.call('SCARD', P .. 'staffed:' .. skill), available }
for _, t in ipairs(redis.call('LRANGE', P .. 'handle:' .. queue, 0, tonumber(ARGV[3]) - 1)) do table.insert(out, t) end
return out
