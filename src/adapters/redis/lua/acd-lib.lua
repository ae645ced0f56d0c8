--[[
  Shared helpers of the acd-*.lua scripts (scripts.ts puts this text where a script says
  `--!include acd-lib`). ARGV[1] of every ACD script is the ACD key prefix; the key shapes below
  are the ones RedisKeys builds (src/adapters/redis/keys.ts, "Call queues (ACD)").

  agent:<id>          HASH state, reason, call, queue, since, idle, skills ("skill=level,…"),
                      hold ("consult": reserved for a consult on a call another agent talks on,
                      acd-reserve-2.lua; no expiry, not in reservations)
  avail:<skill>       ZSET agent id → level × 10^13 + idle-since ms: available agents of a skill,
                      best level first and, within a level, longest idle first — so the agent a
                      call gets is one ZRANGEBYSCORE bounded by its reach
  staffed:<skill>     SET agent ids logged in with that skill
  queue:<id>          ZSET call id → priority rank × 10^13 + first enqueue ms
  call:<id>           HASH queue, skill, priority, score, enq, owner, state, agent, expires, qsince
  reservations        ZSET call id → offer expiry ms
  free                HASH skill → number of agents in avail:<skill> (kept with every ZADD/ZREM
                      there, so dispatch learns which skills have anyone free in one read)
  wrapup              ZSET agent id → wrap-up end ms
  agents              SET logged-in agent ids
  handle:<queue>      LIST recent talk times (ms), newest first
]]
local P = ARGV[1]
local function agent_key(id) return P .. 'agent:' .. id end
local function call_key(id) return P .. 'call:' .. id end
local function queue_key(id) return P .. 'queue:' .. id end
local function avail_key(skill) return P .. 'avail:' .. skill end
local RESERVATIONS = P .. 'reservations'
local FREE = P .. 'free'
local WRAPUP = P .. 'wrapup'

-- Exact integers up to 2^53: format with %.0f, never let Lua's %.14g round a score or a time.
local function int(n) return string.format('%.0f', n) end

-- Priority bands, highest first: CALL_PRIORITIES in src/core/acd/model.ts; PRIORITY_BAND in routing.ts.
local RANK = { ['emergency-transfer'] = 0, critical = 1, normal = 2, callback = 3 }
local BAND = 1e13
local function score_of(priority, enq) return int(RANK[priority] * BAND + tonumber(enq)) end

local function each_skill(agent, fn)
  local skills = redis.call('HGET', agent_key(agent), 'skills')
  if not skills then return end
  for skill, level in string.gmatch(skills, '([^,=]+)=(%d+)') do fn(skill, level) end
end

-- Out of every available set (reserved, on a call, not ready, logged out).
local function leave_available(agent)
  each_skill(agent, function(skill)
    if redis.call('ZREM', avail_key(skill), agent) == 1 then redis.call('HINCRBY', FREE, skill, -1) end
  end)
  redis.call('ZREM', WRAPUP, agent)
end

-- Available, idle since `idle` (routing serves the longest idle first).
local function make_available(agent, idle)
  redis.call('HSET', agent_key(agent), 'state', 'available', 'since', int(idle), 'idle', int(idle))
  redis.call('HDEL', agent_key(agent), 'reason', 'call', 'queue', 'wrapends', 'hold')
  redis.call('ZREM', WRAPUP, agent)
  each_skill(agent, function(skill, level)
    if redis.call('ZADD', avail_key(skill), int(tonumber(level) * BAND + idle), agent) == 1 then redis.call('HINCRBY', FREE, skill, 1) end
  end)
end

local function make_not_ready(agent, reason, now)
  leave_available(agent)
  redis.call('HSET', agent_key(agent), 'state', 'not-ready', 'since', int(now), 'reason', reason)
  redis.call('HDEL', agent_key(agent), 'call', 'queue', 'wrapends', 'hold')
end

local function make_wrap_up(agent, now, wrap_ms)
  leave_available(agent)
  redis.call('HSET', agent_key(agent), 'state', 'wrap-up', 'since', int(now), 'wrapends', int(now + wrap_ms))
  redis.call('HDEL', agent_key(agent), 'reason', 'call', 'hold')
  redis.call('ZADD', WRAPUP, int(now + wrap_ms), agent)
end

-- The agent's call ended: on call → wrap-up (or available when wrap_ms is 0); the talk time joins
-- the queue's recent handle times (`keep` of them). The call's ACD entry goes with it unless it
-- names another agent now (a blind transfer reserved one, a consulted agent joined). False when
-- the agent was not on a call.
local function end_call(agent, now, wrap_ms, keep)
  local state, call, queue, since = unpack(redis.call('HMGET', agent_key(agent), 'state', 'call', 'queue', 'since'))
  if state ~= 'on-call' then return false end
  if queue then
    local list = P .. 'handle:' .. queue
    redis.call('LPUSH', list, int(math.max(0, now - tonumber(since))))
    redis.call('LTRIM', list, 0, keep - 1)
  end
  if call and redis.call('HGET', call_key(call), 'agent') == agent then redis.call('DEL', call_key(call)) end
  if wrap_ms > 0 then make_wrap_up(agent, now, wrap_ms) else make_available(agent, now) end
  return true
end

-- A reserved call goes back into its queue with its original score: its place at the head.
local function requeue(call)
  local c = call_key(call)
  local queue, score = unpack(redis.call('HMGET', c, 'queue', 'score'))
  redis.call('ZREM', RESERVATIONS, call)
  redis.call('HSET', c, 'state', 'waiting')
  redis.call('HDEL', c, 'agent', 'expires')
  redis.call('ZADD', queue_key(queue), score, call)
end
