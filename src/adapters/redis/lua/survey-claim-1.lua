-- Starts attempt N of a survey if exactly N-1 attempts were started and no result is stored, so
-- two gateway workers never start (dial) the same attempt.
-- KEYS[1] survey hash (RedisKeys.survey)
-- ARGV[1] N; ARGV[2] the attempt record (JSON)
-- Output: 1 claimed, 0 someone else started it (or the survey is finished or gone)
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'result') == 1 then
  return 0
end
local started = tonumber(redis.call('HGET', KEYS[1], 'started') or '0')
if started ~= tonumber(ARGV[1]) - 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'started', ARGV[1], 'attempt:' .. ARGV[1], ARGV[2])
return 1
