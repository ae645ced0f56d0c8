--[[
  The agent answers an offer: reserved → on call. Refused when the offer lapsed (past its expiry,
  even if nobody swept it yet), was withdrawn, or the caller is gone.

  KEYS[1] agent hash           KEYS[2] reservations zset
  ARGV[1] ACD prefix  ARGV[2] agent id  ARGV[3] call id  ARGV[4] now ms
  Output: 1 accepted, 0 refused
]]
--!include acd-lib
local now = tonumber(ARGV[4])
local a_state, a_call = unpack(redis.call('HMGET', KEYS[1], 'state', 'call'))
if a_state ~= 'reserved' or a_call ~= ARGV[3] then return 0 end
local c = call_key(ARGV[3])
local c_state, c_agent, expires = unpack(redis.call('HMGET', c, 'state', 'agent', 'expires'))
if c_state ~= 'reserved' or c_agent ~= ARGV[2] or now >= tonumber(expires) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('HSET', c, 'state', 'answered', 'answered', ARGV[4])
redis.call('HSET', KEYS[1], 'state', 'on-call', 'since', ARGV[4])
return 1
