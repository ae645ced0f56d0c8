--[[
  Remembers a stored intake in its citizen's recent intakes for the repeat rule (art. 30 of
  seeds/002), dropping what fell out of the window and all but the newest entries.

  KEYS[1] the citizen's recent intakes (ZSET "<intake id>\t<normalised text>" -> received ms)
  ARGV[1] member                     ARGV[2] received at (ms, the score)
  ARGV[3] window start (ms): older entries are dropped
  ARGV[4] entries kept per citizen   ARGV[5] the key expires at (ms)
  Output: nothing
]]
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[4]) + 1))
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
return nil
