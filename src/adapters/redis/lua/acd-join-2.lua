--[[
  An attended transfer to another agent completed: the agent held for the consult (acd-reserve-2.lua,
  hold = consult) is now on the call, talking since now (their handle time counts from here, in
  the queue the hold named). The `from` agent's call ends in the same step (wrap-up, as
  acd-end-call-2.lua) when they are still on it. Refused (nothing changes) unless the agent is held
  for this call.

  KEYS[1] agent hash           KEYS[2] wrap-up zset
  ARGV[1] ACD prefix  ARGV[2] agent id  ARGV[3] call id  ARGV[4] now ms
  ARGV[5] from agent ('' none)  ARGV[6] wrap-up ms  ARGV[7] handle times kept
  Output: 1 joined, 0 refused
]]
--!include acd-lib
local now = tonumber(ARGV[4])
local state, call, hold = unpack(redis.call('HMGET', KEYS[1], 'state', 'call', 'hold'))
if state ~= 'reserved' or call ~= ARGV[3] or hold ~= 'consult' then return 0 end
-- An ACD entry the call still has (answered) names its agent now, so it goes when they end the call.
if redis.call('HGET', call_key(call), 'state') == 'answered' then redis.call('HSET', call_key(call), 'agent', ARGV[2]) end
local from = ARGV[5]
if from ~= '' and redis.call('HGET', agent_key(from), 'call') == call then end_call(from, now, tonumber(ARGV[6]), tonumber(ARGV[7])) end
redis.call('HSET', KEYS[1], 'state', 'on-call', 'since', int(now))
redis.call('HDEL', KEYS[1], 'hold')
return 1
