--[[
  Agent-time accounting of the desk: records the agent's state from a time on, and returns the
  state and time it replaces, in one step — two instances reporting the same change never count
  the same span twice (the later time wins; an older report is ignored).

  KEYS[1] desk agent hash
  ARGV[1] state   ARGV[2] at (ms)
  Output: {previous state, previous at} or {} (nothing accounted yet, or the report is stale)
]]
local prev = redis.call('HMGET', KEYS[1], 'acctState', 'acctAtMs')
if prev[2] and tonumber(prev[2]) > tonumber(ARGV[2]) then return {} end
redis.call('HSET', KEYS[1], 'acctState', ARGV[1], 'acctAtMs', ARGV[2])
if not prev[1] then return {} end
return {prev[1], prev[2]}
