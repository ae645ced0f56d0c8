--[[
  Grants the idle-time dialler a dial of this callback in one of its queues: only if it is still
  pending, not granted and not being placed — so two gateway instances never dial one callback.
  It leaves the ready sets and counts as in flight until the save that records the attempt's end.
  A busy-time callback is granted only while fewer than ARGV[5] are in flight: the ceiling the
  dialler's decision allowed, checked here so that two instances deciding at the same moment on
  the same figures do not both fill it.

  KEYS[1] record hash
  ARGV[1] callback prefix  ARGV[2] id  ARGV[3] queue  ARGV[4] now ms
  ARGV[5] most busy-time callbacks in flight after this grant ('' = no ceiling)
  Output: {json, revision, granted JSON}; nil when not grantable (gone, ended, granted, active);
          -1 when the queue is not one of the callback's; -2 when the ceiling is reached
]]
--!include callback-lib
local a = read_attrs(ARGV[2])
if not a or a.st ~= 'pending' or a.granted ~= '' or a.act ~= '' then return nil end
local queues = split(a.qs)
local mine = false
for _, q in ipairs(queues) do if q == ARGV[3] then mine = true end end
if not mine then return -1 end
if a.kind == 'busy-time' and ARGV[5] ~= '' and redis.call('ZCARD', INFLIGHT) >= tonumber(ARGV[5]) then return -2 end
for _, q in ipairs(queues) do redis.call('ZREM', ready_key(q), ARGV[2]) end
redis.call('ZREM', LATER, ARGV[2])
if a.kind == 'busy-time' then redis.call('ZADD', INFLIGHT, a.req, ARGV[2]) end
local granted = '{"queue":' .. cjson.encode(ARGV[3]) .. ',"atMs":' .. int(ARGV[4]) .. '}'
local rev = redis.call('HINCRBY', KEYS[1], 'rev', 1)
redis.call('HSET', KEYS[1], 'granted', granted)
return { redis.call('HGET', KEYS[1], 'json'), rev, granted }
