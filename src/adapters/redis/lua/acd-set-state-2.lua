--[[
  An agent chooses a state: available, not ready (with a reason) or wrap-up. Refused while logged
  out, reserved (an offer is ringing) or on a call: those change only through the ACD itself.

  KEYS[1] agent hash           KEYS[2] wrap-up zset
  ARGV[1] ACD prefix  ARGV[2] agent id  ARGV[3] state  ARGV[4] now ms  ARGV[5] reason
  ARGV[6] wrap-up ms
  Output: {1 or 0 (refused), the agent hash as a flat array}
]]
--!include acd-lib
local agent = ARGV[2]
local now = tonumber(ARGV[4])
local state = redis.call('HGET', KEYS[1], 'state')
if not state or state == 'logged-out' or state == 'reserved' or state == 'on-call' then
  return { 0, redis.call('HGETALL', KEYS[1]) }
end
if ARGV[3] == 'available' then
  -- Already available: keep the place in the idle line.
  if state ~= 'available' then make_available(agent, now) end
elseif ARGV[3] == 'not-ready' then
  make_not_ready(agent, ARGV[5], now)
else
  make_wrap_up(agent, now, tonumber(ARGV[6]))
end
return { 1, redis.call('HGETALL', KEYS[1]) }
