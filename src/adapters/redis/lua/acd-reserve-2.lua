--[[
  Reserves one named agent outside a dispatch, atomically: only an agent who is available now
  (a dispatch racing this one either got them first — then this refuses — or finds them gone from
  every available set). Two kinds:
  - offer (blind transfer to a named agent): a reservation like a dispatch's — the call reserved
    for the agent until the offer expiry (in `reservations`, so accept, release, lapsed and remove
    treat it as any offer). The call must be waiting in a queue (it leaves it) or be the call the
    `from` agent is talking on; then that agent's call ends in the same step (wrap-up, as
    acd-end-call-2.lua), so the call never has two agents. The call's queue, priority and first
    arrival are given: a release puts it at the head of that queue.
  - consult (attended transfer to another agent): the agent is held for the call another agent
    talks on — reserved, out of every available set, `hold` = consult, no expiry and not in
    `reservations` (nobody sweeps it: the desk that dialled ends it with acd-join-2.lua or
    acd-release-2.lua). The call is not touched.

  KEYS[1] agent hash           KEYS[2] call hash
  ARGV[1] ACD prefix  ARGV[2] agent id  ARGV[3] call id  ARGV[4] now ms  ARGV[5] offer | consult
  ARGV[6] owner instance  ARGV[7] queue ('' for a consult without one)  ARGV[8] its skill
  ARGV[9] priority  ARGV[10] first enqueue ms  ARGV[11] offer expiry ms
  ARGV[12] from agent ('' none)  ARGV[13] wrap-up ms  ARGV[14] handle times kept
  Output: false when refused; else call id, agent id, queue, owner, expires ms (0 for a consult),
          waited ms — the reservation
]]
--!include acd-lib
local agent, call, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
if redis.call('HGET', KEYS[1], 'state') ~= 'available' then return false end

if ARGV[5] == 'consult' then
  leave_available(agent)
  redis.call('HSET', KEYS[1], 'state', 'reserved', 'since', int(now), 'call', call, 'hold', 'consult')
  if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'queue', ARGV[7]) else redis.call('HDEL', KEYS[1], 'queue') end
  return { call, agent, ARGV[7], ARGV[6], '0', '0' }
end

local from = ARGV[12]
local c_state, c_queue, c_enq, c_priority, c_agent = unpack(redis.call('HMGET', KEYS[2], 'state', 'queue', 'enq', 'priority', 'agent'))
local f_state, f_call = false, false
if from ~= '' then f_state, f_call = unpack(redis.call('HMGET', agent_key(from), 'state', 'call')) end
local from_talks = f_state == 'on-call' and f_call == call
-- One call, one agent: waiting, or the call `from` talks on; never one offered or answered elsewhere.
if c_state ~= 'waiting' and not from_talks then return false end
if c_state == 'waiting' then
  redis.call('ZREM', queue_key(c_queue), call)
elseif c_state and (c_state ~= 'answered' or c_agent ~= from) then
  return false
end
if from_talks then end_call(from, now, tonumber(ARGV[13]), tonumber(ARGV[14])) end
-- The first arrival and priority the ACD knew win over the given ones (no one loses their place).
local enq = c_enq or ARGV[10]
local priority = c_priority or ARGV[9]
local expires = ARGV[11]
redis.call('HSET', KEYS[2], 'queue', ARGV[7], 'skill', ARGV[8], 'priority', priority, 'score', score_of(priority, enq),
  'enq', enq, 'owner', ARGV[6], 'state', 'reserved', 'agent', agent, 'expires', expires, 'qsince', int(now))
redis.call('ZADD', RESERVATIONS, expires, call)
leave_available(agent)
redis.call('HSET', KEYS[1], 'state', 'reserved', 'since', int(now), 'call', call, 'queue', ARGV[7])
redis.call('HDEL', KEYS[1], 'hold')
return { call, agent, ARGV[7], ARGV[6], expires, int(math.max(0, now - tonumber(enq))) }
