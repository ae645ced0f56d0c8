--[[
  Takes a place in a holding queue, or keeps the one the call already holds, in one step.

  KEYS[1] holding queue zset     KEYS[2] holding sequence counter
  ARGV[1] call id                ARGV[2] priority rank (0 transferred from an emergency line, 1 normal)
  Output: the call's 1-based position
]]
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  local seq = redis.call('INCR', KEYS[2])
  -- Exact integers up to 2^53: format with %.0f, never let Lua's %.14g round the score.
  redis.call('ZADD', KEYS[1], string.format('%.0f', tonumber(ARGV[2]) * 1e15 + seq), ARGV[1])
end
return redis.call('ZRANK', KEYS[1], ARGV[1]) + 1
