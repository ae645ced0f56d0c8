--[[
  The agent's call ended: on call → wrap-up (back to available by itself when it ends; dispatch
  promotes it) or straight to available when wrap-up is 0. The talk time joins the queue's recent
  handle times (the estimated wait).

  KEYS[1] agent hash           KEYS[2] wrap-up zset
  ARGV[1] ACD prefix  ARGV[2] agent id  ARGV[3] now ms  ARGV[4] wrap-up ms  ARGV[5] handle times kept
  Output: the agent hash as a flat array
]]
--!include acd-lib
local agent = ARGV[2]
local now = tonumber(ARGV[3])
local state, call, queue, since = unpack(redis.call('HMGET', KEYS[1], 'state', 'call', 'queue', 'since'))
if state ~= 'on-call' then return redis.call('HGETALL', KEYS[1]) end
if queue then
  local list = P .. 'handle:' .. queue
  redis.call('LPUSH', list, int(math.max(0, now - tonumber(since))))
  redis.call('LTRIM', list, 0, tonumber(ARGV[5]) - 1)
end
if call then redis.call('DEL', call_key(call)) end
local wrap = tonumber(ARGV[4])
if wrap > 0 then make_wrap_up(agent, now, wrap) else make_available(agent, now) end
return redis.call('HGETALL', KEYS[1])
