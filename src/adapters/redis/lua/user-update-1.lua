--[[
  Replaces a stored user when nobody changed it since it was read (compare-and-set on its revision),
  so two administrators (or two gateway instances) never lose each other's change.

  KEYS[1] user key
  ARGV[1] the revision read   ARGV[2] the new user (JSON, with revision ARGV[1] + 1)
  Output: 1 replaced, 0 changed in between (read again and retry), -1 no such user
]]
local cur = redis.call('GET', KEYS[1])
if not cur then return -1 end
if tostring(cjson.decode(cur).rev) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
