--[[
  Moves a call to another queue keeping its first enqueue time (overflow, transfer to a queue), so
  it lands where its arrival puts it. A call on offer keeps its offer; it returns to the new queue
  if the offer is released.

  KEYS[1] call hash
  ARGV[1] ACD prefix  ARGV[2] call id  ARGV[3] new queue  ARGV[4] its skill
  ARGV[5] priority (empty: keep)  ARGV[6] now ms
  Output: 1-based position in the new queue; 0 while on offer or answered; -1 for an unknown call
]]
--!include acd-lib
local state, queue, priority, enq = unpack(redis.call('HMGET', KEYS[1], 'state', 'queue', 'priority', 'enq'))
if not state then return -1 end
if ARGV[5] ~= '' then priority = ARGV[5] end
local score = score_of(priority, enq)
if state == 'waiting' then redis.call('ZREM', queue_key(queue), ARGV[2]) end
redis.call('HSET', KEYS[1], 'queue', ARGV[3], 'skill', ARGV[4], 'priority', priority, 'score', score, 'qsince', ARGV[6])
if state ~= 'waiting' then return 0 end
redis.call('ZADD', queue_key(ARGV[3]), score, ARGV[2])
return redis.call('ZRANK', queue_key(ARGV[3]), ARGV[2]) + 1
