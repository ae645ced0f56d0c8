--[[
  Compare-and-set of a callback: saved (revision + 1) only if the stored revision is the one the
  caller read; every index follows the record in the same step.

  KEYS[1] record hash   KEYS[2] pending-by-citizen hash
  ARGV[1] callback prefix  ARGV[2] id  ARGV[3] record JSON (without revision, granted)
  ARGV[4] the revision the caller read
  ARGV[5..13] st, kind, cit, num, req, due, act, granted, qs (callback-lib FIELDS order)
  ARGV[14] now ms (retention, sweep)  ARGV[15] retention ms  ARGV[16] sweep at most this many
  Output: the new revision; 0 stale (someone saved in between); -1 no such record;
          -2 the citizen has another pending callback
]]
--!include callback-lib
local old = read_attrs(ARGV[2])
if not old then return -1 end
local rev = tonumber(redis.call('HGET', KEYS[1], 'rev'))
if rev ~= tonumber(ARGV[4]) then return 0 end
local a = attrs_from(5)
if a.st == 'pending' then
  local holder = redis.call('HGET', KEYS[2], a.cit)
  if holder and holder ~= ARGV[2] then return -2 end
end
sweep(ARGV[14], tonumber(ARGV[16]))
unindex(ARGV[2], old)
redis.call('HSET', KEYS[1], 'json', ARGV[3], 'rev', rev + 1)
index(ARGV[2], a, ARGV[14], ARGV[15])
return rev + 1
