--[[
  Persists a new intake and queues it for delivery, unless its idempotency key was seen before.
  Shared by every outbox (intakes, call records: see redis-outbox-queue.ts); "intake" reads "item",
  "citizen" reads "group".

  KEYS[1] idempotency key        KEYS[2] intake hash
  KEYS[3] outbox ready zset      KEYS[4] sequence counter
  ARGV[1] intake id              ARGV[2] record (JSON)
  ARGV[3] citizen key            ARGV[4] urgency rank (0 critical, 1 urgent, 2 normal)
  ARGV[5] accepted at (ms)       ARGV[6] idempotency ttl (s)
  Output: { intake id, 1 if duplicate else 0 }
]]
local existing = redis.call('GET', KEYS[1])
if existing then
  return { existing, 1 }
end
local seq = redis.call('INCR', KEYS[4])
-- Exact integers up to 2^53: format with %.0f, never let Lua's %.14g round the score.
local score = string.format('%.0f', tonumber(ARGV[4]) * 1e15 + seq)
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[6])
redis.call('HSET', KEYS[2], 'record', ARGV[2], 'citizen', ARGV[3], 'score', score,
  'status', 'queued', 'acceptedAt', ARGV[5], 'attempts', 0)
redis.call('ZADD', KEYS[3], score, ARGV[1])
return { ARGV[1], 0 }
