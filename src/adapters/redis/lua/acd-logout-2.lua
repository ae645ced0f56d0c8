--[[
  An agent logs out. A call offered to them goes back to the head of its queue at once; a call
  they are talking on is theirs to finish (the desk ends it), the ACD just stops routing to them.

  KEYS[1] agent hash           KEYS[2] logged-in agents set
  ARGV[1] ACD prefix  ARGV[2] agent id  ARGV[3] now ms
  Output: the call put back, or false
]]
--!include acd-lib
local agent = ARGV[2]
local state, call = unpack(redis.call('HMGET', KEYS[1], 'state', 'call'))
local requeued = false
if state == 'reserved' and call and redis.call('HGET', call_key(call), 'agent') == agent then
  requeue(call)
  requeued = call
end
leave_available(agent)
each_skill(agent, function(skill) redis.call('SREM', P .. 'staffed:' .. skill, agent) end)
redis.call('SREM', KEYS[2], agent)
if state then
  redis.call('HSET', KEYS[1], 'state', 'logged-out', 'since', ARGV[3])
  redis.call('HDEL', KEYS[1], 'reason', 'call', 'queue', 'idle')
end
return requeued
