--[[
  Gives a call up, only for the instance that holds it (compare and set): the key says
  'ended:<instance id>' for a while (longer than instances watch an ended call), so nobody can
  claim the call in that time and an instance that saw it end knows its owner finished it (a key
  that lapsed instead: the owner died before the call's record was queued). The call leaves its
  switch's live-call registry.

  KEYS[1] call owner key         KEYS[2] the switch's live-call registry
  ARGV[1] instance id            ARGV[2] how long the ended mark stays (ms)
  ARGV[3] call id
  Output: 1 released, 0 held by another instance or by nobody
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], 'ended:' .. ARGV[1], 'PX', ARGV[2])
  redis.call('HDEL', KEYS[2], ARGV[3])
  return 1
end
return 0
