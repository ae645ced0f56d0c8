--[[
  Claims a call for an instance: taken when nobody holds it (or the holder's lease lapsed and the
  key expired), kept (lease extended) when this instance holds it already.

  KEYS[1] call owner key
  ARGV[1] instance id   ARGV[2] lease (ms)
  Output: 1 owned by ARGV[1] now, 0 owned by another instance
]]
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
