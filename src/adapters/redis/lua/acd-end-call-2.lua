--[[
  The agent's call ended: on call → wrap-up (back to available by itself when it ends; dispatch
  promotes it) or straight to available when wrap-up is 0. The talk time joins the queue's recent
  handle times (the estimated wait). Nothing changes unless the agent is on a call (an agent a
  transfer already ended keeps their wrap-up).

  KEYS[1] agent hash           KEYS[2] wrap-up zset
  ARGV[1] ACD prefix  ARGV[2] agent id  ARGV[3] now ms  ARGV[4] wrap-up ms  ARGV[5] handle times kept
  Output: the agent hash as a flat array
]]
--!include acd-lib
end_call(ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
return redis.call('HGETALL', KEYS[1])
