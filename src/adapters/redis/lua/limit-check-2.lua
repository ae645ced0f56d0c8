--[[
  Checks one attempt of a citizen against the abuse limits (art. 34 of seeds/002) and counts it
  when it may go ahead. Time is Redis's own clock, so every gateway instance shares one window.

  KEYS[1] restriction key (string, JSON; expires by itself)
  KEYS[2] attempts key (ZSET attempt id -> time ms)

  ARGV[1] window length (ms)
  ARGV[2] attempts allowed in the window
  ARGV[3] id of this attempt: a channel's retry of the same message carries the same id

  Output: {'restricted', <restriction JSON>} | {'rate', <ms until an attempt is allowed>} |
          {'ok', <attempts in the window, this one included>}
  A refused attempt is not counted: a citizen waiting out the window gets in when it ends.
  An attempt already let through in the window (a retry) is let through again, uncounted: it
  may already be stored, and the outbox answers it as a duplicate.
]]
if redis.call('ZSCORE', KEYS[2], ARGV[3]) then
  return {'ok', tostring(redis.call('ZCARD', KEYS[2]))}
end
local restriction = redis.call('GET', KEYS[1])
if restriction then
  return {'restricted', restriction}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[2])
if count >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {'rate', tostring(tonumber(oldest[2]) + window - now)}
end
redis.call('ZADD', KEYS[2], now, ARGV[3])
redis.call('PEXPIRE', KEYS[2], window)
return {'ok', tostring(count + 1)}
