--[[
  Offers past their expiry, for any instance to sweep (the owner of the call may have died).

  KEYS[1] reservations zset
  ARGV[1] ACD prefix  ARGV[2] now ms  ARGV[3] at most this many
  Output: flat array of call id, agent id, queue, owner, expires ms, waited ms per reservation
]]
--!include acd-lib
local out = {}
local calls = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, call in ipairs(calls) do
  local agent, queue, owner, expires, enq = unpack(redis.call('HMGET', call_key(call), 'agent', 'queue', 'owner', 'expires', 'enq'))
  if agent then
    local reserved = redis.call('HGET', agent_key(agent), 'since')
    table.insert(out, call); table.insert(out, agent); table.insert(out, queue); table.insert(out, owner)
    table.insert(out, expires); table.insert(out, int(tonumber(reserved) - tonumber(enq)))
  else
    -- A reservation without its call cannot be released by anyone: drop it.
    redis.call('ZREM', KEYS[1], call)
  end
end
return out
