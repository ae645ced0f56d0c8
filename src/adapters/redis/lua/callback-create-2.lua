--[[
  Stores a new callback and indexes it; refused when the citizen already has a pending one (one
  pending callback per number, art. 13 of seeds/002 as the README's callback policy reads it).

  KEYS[1] record hash   KEYS[2] pending-by-citizen hash
  ARGV[1] callback prefix  ARGV[2] id  ARGV[3] record JSON (without revision, granted)  ARGV[4] revision
  ARGV[5..13] st, kind, cit, num, req, due, act, granted, qs (callback-lib FIELDS order)
  ARGV[14] now ms (retention, sweep)  ARGV[15] retention ms  ARGV[16] sweep at most this many
  Output: 1 created, 0 the citizen has a pending callback, -1 the id exists
]]
--!include callback-lib
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local a = attrs_from(5)
if a.st == 'pending' and redis.call('HEXISTS', KEYS[2], a.cit) == 1 then return 0 end
sweep(ARGV[14], tonumber(ARGV[16]))
redis.call('HSET', KEYS[1], 'json', ARGV[3], 'rev', ARGV[4])
index(ARGV[2], a, ARGV[14], ARGV[15])
return 1
