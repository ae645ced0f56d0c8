--[[
  An agent logs in (or logs in again with new skills) and becomes available, idle since now. Logging
  in again while reserved or on a call keeps that state and only changes the skills.

  KEYS[1] agent hash           KEYS[2] logged-in agents set
  ARGV[1] ACD prefix  ARGV[2] agent id  ARGV[3] skills "skill=level,…"  ARGV[4] now ms
  Output: the agent hash as a flat array
]]
--!include acd-lib
local agent = ARGV[2]
local state = redis.call('HGET', KEYS[1], 'state')
local was_available = state == 'available'
local idle = tonumber(redis.call('HGET', KEYS[1], 'idle') or ARGV[4])
-- Leave the old skills' sets before the skills change.
leave_available(agent)
each_skill(agent, function(skill) redis.call('SREM', P .. 'staffed:' .. skill, agent) end)
redis.call('HSET', KEYS[1], 'skills', ARGV[3])
each_skill(agent, function(skill) redis.call('SADD', P .. 'staffed:' .. skill, agent) end)
redis.call('SADD', KEYS[2], agent)
if not state or state == 'logged-out' then
  make_available(agent, tonumber(ARGV[4]))
elseif was_available then
  make_available(agent, idle)
elseif state == 'wrap-up' then
  -- Keep the wrap-up and its end.
  local ends = redis.call('HGET', KEYS[1], 'wrapends')
  if ends then redis.call('ZADD', WRAPUP, ends, agent) end
end
return redis.call('HGETALL', KEYS[1])
