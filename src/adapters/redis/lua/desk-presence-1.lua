--[[
  Which ws connection holds an agent's desk, shared by every gateway instance. A connection claims
  the desk at desk.login, renews its lease on each heartbeat, and releases it; after a dead
  connection's grace period the agent is logged out of the desk only when the release finds the
  desk still held by that connection (nobody reconnected in between, on any instance).

  KEYS[1] presence key
  ARGV[1] claim | renew | release   ARGV[2] connection id   ARGV[3] lease (ms)
  Output: claim 1; renew 1 still held by ARGV[2] (lease extended), 0 not; release 1 held by
  ARGV[2] or by nobody (deleted), 0 held by another connection
]]
local op = ARGV[1]
if op == 'claim' then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
local holder = redis.call('GET', KEYS[1])
if op == 'renew' then
  if holder == ARGV[2] then
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    return 1
  end
  return 0
end
if not holder then return 1 end
if holder == ARGV[2] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
