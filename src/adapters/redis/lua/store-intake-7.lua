--[[
  Accepts an intake in one atomic step, exactly as the three scripts it includes (as local
  functions with their own KEYS and ARGV) would one after the other: the abuse-limit check (limit-check-2: a refused attempt stores nothing), the outbox
  insert (accept-4: a seen idempotency key is a duplicate and stores nothing), and, for a new
  intake only, the repeat rule's memory (remember-recent-1). One round trip instead of three.

  KEYS[1] restriction key        KEYS[2] attempts key          (limit-check-2)
  KEYS[3] idempotency key        KEYS[4] intake hash
  KEYS[5] outbox ready zset      KEYS[6] sequence counter      (accept-4)
  KEYS[7] the citizen's recent intakes                         (remember-recent-1)

  ARGV[1..3]   limit-check-2's ARGV; ARGV[1] = '' skips the check (emergencies, anonymous citizens)
  ARGV[4..9]   accept-4's ARGV
  ARGV[10..14] remember-recent-1's ARGV; ARGV[10] = '' remembers nothing
  Output: {'restricted' | 'rate', value} as limit-check-2 refuses, else {intake id, duplicate 0|1}
]]
local function limit_check(KEYS, ARGV)
--!include limit-check-2
end
local function accept(KEYS, ARGV)
--!include accept-4
end
local function remember(KEYS, ARGV)
--!include remember-recent-1
end

if ARGV[1] ~= '' then
  local verdict = limit_check({ KEYS[1], KEYS[2] }, { ARGV[1], ARGV[2], ARGV[3] })
  if verdict[1] ~= 'ok' then
    return verdict
  end
end
local stored = accept({ KEYS[3], KEYS[4], KEYS[5], KEYS[6] }, { ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9] })
if stored[2] == 0 and ARGV[10] ~= '' then
  remember({ KEYS[7] }, { ARGV[10], ARGV[11], ARGV[12], ARGV[13], ARGV[14] })
end
return stored
