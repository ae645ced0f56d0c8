--[[
  An offer was declined or lapsed: the call goes back to the head of its queue (its original
  score), the agent to available (idle from now: the back of the idle line) or not ready with a
  reason. Does nothing unless this agent still holds this call's reservation, so two instances
  sweeping the same lapsed offer release it once. A consult hold (hold = consult) ends the same
  way, the call untouched; back to available, the agent keeps their place in the idle line (the
  consult ended through no fault of theirs).

  KEYS[1] agent hash           KEYS[2] reservations zset
  ARGV[1] ACD prefix  ARGV[2] agent id  ARGV[3] call id  ARGV[4] now ms
  ARGV[5] then: available | not-ready    ARGV[6] not-ready reason
  Output: 1 released, 0 nothing to release
]]
--!include acd-lib
local now = tonumber(ARGV[4])
local a_state, a_call, hold, idle = unpack(redis.call('HMGET', KEYS[1], 'state', 'call', 'hold', 'idle'))
if a_state ~= 'reserved' or a_call ~= ARGV[3] then return 0 end
local c = call_key(ARGV[3])
local c_state, c_agent = unpack(redis.call('HMGET', c, 'state', 'agent'))
if hold ~= 'consult' and c_state == 'reserved' and c_agent == ARGV[2] then requeue(ARGV[3]) end
if ARGV[5] == 'available' then
  make_available(ARGV[2], hold == 'consult' and idle and tonumber(idle) or now)
else
  make_not_ready(ARGV[2], ARGV[6], now)
end
return 1
