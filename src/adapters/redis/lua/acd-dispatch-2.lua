--[[
  Matches waiting calls with available agents, atomically, and reserves them (issue 5):
  - agents whose wrap-up has ended become available first (idle since its end);
  - calls are taken in serving order across the given queues: priority band, then first enqueue
    time (the lowest score of every queue's head);
  - a call reaches skill levels 1..reach, reach widening with its waiting time (tiers); it gets
    the best level within reach, and at that level the agent idle longest;
  - when a call finds nobody, later calls of the same queue and band cannot either (they waited
    less, so reach no further): that band of that queue is done for this run, the next band of
    the queue is still tried (a lower-priority call may have waited longer and reach further);
  - at most ARGV[4] reservations per run, so one run never holds Redis for long; the caller runs
    it again while it returns that many.

  KEYS[1] reservations zset    KEYS[2] wrap-up zset
  ARGV[1] ACD prefix  ARGV[2] now ms  ARGV[3] offer timeout ms  ARGV[4] at most this many
  ARGV[5] number of queues, then per queue: id, skill, tiers "afterMs:maxLevel,…" (afterMs ascending)
  Output: flat array of call id, agent id, queue, owner, expires ms, waited ms per reservation
]]
--!include acd-lib
local now = tonumber(ARGV[2])
local expires = now + tonumber(ARGV[3])
local max = tonumber(ARGV[4])

local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'WITHSCORES')
for i = 1, #due, 2 do
  local agent = due[i]
  if redis.call('HGET', agent_key(agent), 'state') == 'wrap-up' then make_available(agent, tonumber(due[i + 1])) end
  redis.call('ZREM', KEYS[2], agent)
end

local queues = {}
local n = tonumber(ARGV[5])
for i = 0, n - 1 do
  local q = { id = ARGV[6 + i * 3], skill = ARGV[7 + i * 3], tiers = {}, from = '-inf' }
  for after, level in string.gmatch(ARGV[8 + i * 3], '(%d+):(%d+)') do table.insert(q.tiers, { tonumber(after), tonumber(level) }) end
  q.key = queue_key(q.id)
  table.insert(queues, q)
end

local function load_head(q)
  local h = redis.call('ZRANGEBYSCORE', q.key, q.from, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if h[1] then q.call = h[1]; q.score = tonumber(h[2]) else q.call = nil end
end

-- Which skills have anyone free (one read), and the best level free per skill, read when first
-- needed; both again after a reservation (agents only leave the available sets during a run).
local free_count, best_level
local function read_free()
  free_count, best_level = {}, {}
  local f = redis.call('HGETALL', FREE)
  for i = 1, #f, 2 do free_count[f[i]] = tonumber(f[i + 1]) end
end
read_free()
local function free_level(skill)
  local v = best_level[skill]
  if v == nil then
    v = false
    if (free_count[skill] or 0) > 0 then
      local a = redis.call('ZRANGE', avail_key(skill), 0, 0, 'WITHSCORES')
      if a[1] then v = math.floor(tonumber(a[2]) / BAND) end
    end
    best_level[skill] = v
  end
  return v
end

-- A queue whose skill has nobody free is not looked at (the busy hour: one read in all).
for _, q in ipairs(queues) do
  if free_level(q.skill) then load_head(q) end
end

local out = {}
while #out < max * 6 do
  local best = nil
  for _, q in ipairs(queues) do
    if q.call and (not best or q.score < best.score) then best = q end
  end
  if not best then break end
  local band = math.floor(best.score / BAND)
  local enq = best.score - band * BAND
  local waited = now - enq
  local reach = 1
  for _, t in ipairs(best.tiers) do if waited >= t[1] and t[2] > reach then reach = t[2] end end
  local agent = nil
  local level = free_level(best.skill)
  if not level then
    -- Nobody with this skill is free: no call of this queue can be matched in this run.
    best.call = nil
  else
    if level <= reach then
      -- The best level within reach, and the longest idle at it: the lowest score below reach + 1.
      local a = redis.call('ZRANGEBYSCORE', avail_key(best.skill), '-inf', '(' .. int((reach + 1) * BAND), 'LIMIT', 0, 1)
      agent = a[1]
    end
    if agent then
      local call = best.call
      leave_available(agent)
      read_free()
      redis.call('HSET', agent_key(agent), 'state', 'reserved', 'since', int(now), 'call', call, 'queue', best.id)
      redis.call('ZREM', best.key, call)
      redis.call('HSET', call_key(call), 'state', 'reserved', 'agent', agent, 'expires', int(expires))
      redis.call('ZADD', KEYS[1], int(expires), call)
      local owner = redis.call('HGET', call_key(call), 'owner')
      table.insert(out, call); table.insert(out, agent); table.insert(out, best.id); table.insert(out, owner)
      table.insert(out, int(expires)); table.insert(out, int(waited))
    else
      -- Nobody within reach for this band of this queue (later calls of the band waited less and
      -- reach no further): try its next band.
      best.from = int((band + 1) * BAND)
    end
    load_head(best)
  end
end
return out
