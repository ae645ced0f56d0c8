--[[
  The call left (hang-up, transfer, emergency): its place is freed; an agent reserved for it is
  released at once, back to available with the idle-since time they had (they did nothing wrong),
  so no agent is left "reserved" for a call that is gone.

  KEYS[1] call hash            KEYS[2] reservations zset
  ARGV[1] ACD prefix           ARGV[2] call id
  Output: the released agent id, or false
]]
--!include acd-lib
local state, queue, agent = unpack(redis.call('HMGET', KEYS[1], 'state', 'queue', 'agent'))
local released = false
if state == 'waiting' then
  redis.call('ZREM', queue_key(queue), ARGV[2])
elseif state == 'reserved' then
  redis.call('ZREM', KEYS[2], ARGV[2])
  local a_state, a_call, idle = unpack(redis.call('HMGET', agent_key(agent), 'state', 'call', 'idle'))
  if a_state == 'reserved' and a_call == ARGV[2] then
    make_available(agent, tonumber(idle))
    released = agent
  end
end
redis.call('DEL', KEYS[1])
return released
