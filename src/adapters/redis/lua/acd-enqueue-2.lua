--[[
  A call takes a place in a queue, or keeps the one it holds (entering again never loses a place).

  KEYS[1] call hash            KEYS[2] the queue's zset
  ARGV[1] ACD prefix  ARGV[2] call id  ARGV[3] queue  ARGV[4] skill  ARGV[5] priority
  ARGV[6] first enqueue ms  ARGV[7] owner instance  ARGV[8] entered this queue at (ms)
  Output: 1-based position, or 0 when the call is already offered to or talking with an agent
]]
--!include acd-lib
local state, queue = unpack(redis.call('HMGET', KEYS[1], 'state', 'queue'))
if state then
  if state ~= 'waiting' then return 0 end
  return redis.call('ZRANK', queue_key(queue), ARGV[2]) + 1
end
local score = score_of(ARGV[5], ARGV[6])
redis.call('HSET', KEYS[1], 'queue', ARGV[3], 'skill', ARGV[4], 'priority', ARGV[5], 'score', score,
  'enq', ARGV[6], 'owner', ARGV[7], 'state', 'waiting', 'qsince', ARGV[8])
redis.call('ZADD', KEYS[2], score, ARGV[2])
return redis.call('ZRANK', KEYS[2], ARGV[2]) + 1
