--[[
  Counts one failed login against the username and the source address. The first failure starts
  the window; the failure that reaches a key's limit locks that key out for the lockout time
  (the counter's TTL becomes the lockout).

  KEYS[1] username failures   KEYS[2] address failures
  ARGV[1] max per username   ARGV[2] max per address   ARGV[3] window (ms)   ARGV[4] lockout (ms)
  Output: ms the longer lockout still lasts, 0 when neither key is locked
]]
local locked = 0
for i = 1, 2 do
  local n = redis.call('INCR', KEYS[i])
  local max = tonumber(ARGV[i])
  if n == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
  if n == max then redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
  if n >= max then
    local ttl = redis.call('PTTL', KEYS[i])
    if ttl > locked then locked = ttl end
  end
end
return locked
