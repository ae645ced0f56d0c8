--[[
  Extends a call's lease, only for the instance that holds it (compare and expire).

  KEYS[1] call owner key
  ARGV[1] instance id   ARGV[2] lease (ms)
  Output: 1 renewed, 0 not (or no longer) held by ARGV[1]
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
