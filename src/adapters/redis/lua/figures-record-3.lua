--[[
  Counts one event of the live figures into its minute and day buckets, once: two gateway
  instances add to the same counters, and an event recorded again (a retry) is not counted twice.

  KEYS[1] seen key (string; lives while a retry of the event may still come)
  KEYS[2] minute bucket (HASH "<queue>|<counter>" -> count)
  KEYS[3] day bucket (HASH, same fields)

  ARGV[1] how long the seen key lives (ms)
  ARGV[2] time to live of the minute bucket (ms); 0: the minute is past keeping, leave it out
  ARGV[3] time to live of the day bucket (ms); 0: the day is past keeping, leave it out
  ARGV[4..] field, increment, field, increment … (whole numbers)

  Output: 1 counted, 0 counted before
]]
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  return 0
end
local buckets = {}
if tonumber(ARGV[2]) > 0 then buckets[#buckets + 1] = {KEYS[2], ARGV[2]} end
if tonumber(ARGV[3]) > 0 then buckets[#buckets + 1] = {KEYS[3], ARGV[3]} end
for _, b in ipairs(buckets) do
  for i = 4, #ARGV, 2 do
    redis.call('HINCRBY', b[1], ARGV[i], ARGV[i + 1])
  end
  redis.call('PEXPIRE', b[1], b[2])
end
return 1
