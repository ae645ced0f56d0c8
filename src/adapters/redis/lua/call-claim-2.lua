--[[
  Claims a call for an instance: taken when nobody holds it (or the holder's lease lapsed and the
  key expired), kept (lease extended) when this instance holds it already. With the call's facts,
  the call goes in its switch's live-call registry too, where it stays until released: an
  instance that restarts finds there the calls its previous run held, live or ended meanwhile.

  KEYS[1] call owner key         KEYS[2] the switch's live-call registry (hash call id -> facts)
  ARGV[1] instance id            ARGV[2] lease (ms)
  ARGV[3] call id                ARGV[4] the call's facts (JSON); '' registers nothing
  Output: 1 owned by ARGV[1] now, 0 owned by another instance
]]
local function register()
  if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) end
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return register() end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return register()
end
return 0
