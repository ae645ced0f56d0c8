--[[
  Gives a call up, only for the instance that holds it (compare and delete).

  KEYS[1] call owner key
  ARGV[1] instance id
  Output: 1 released, 0 held by another instance or by nobody
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
