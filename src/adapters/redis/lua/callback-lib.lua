--[[
  Shared helpers of the callback-*.lua scripts (scripts.ts puts this text where a script says
  `--!include callback-lib`). ARGV[1] of every callback script is the callback key prefix; the key
  shapes below are the ones RedisKeys builds (src/adapters/redis/keys.ts, "Callbacks (issue 6)").

  rec:<id>          HASH json (record without revision and granted), rev, granted (JSON), and the
                    index attributes st, kind, cit, num, req, due, act ('1' while an attempt is
                    placed), qs (queues, comma-separated), exp (its expiry member once ended)
  pending           HASH citizen key → id of their pending callback (one pending per number)
  ready:<queue>     ZSET id → requestedAt: busy-time, pending, due, not granted, not active
  later             ZSET id → due ms: busy-time, pending, not granted, not active, not yet promoted
  inflight          ZSET id → requestedAt: busy-time, pending, granted or active
  list:<dimension>  ZSET (score 0) "<requestedAt, 15 digits>:<id>": all, status:<s>, kind:<k>,
                    queue:<q>, number:<n> — the supervisors' list, kept until the record expires
  expiry            ZSET "<id>|<req>|<status>|<kind>|<number>|<queues>" → when an ended record's
                    list entries go (the record hash expires by itself at the same time)
]]
local P = ARGV[1]
local function rec_key(id) return P .. 'rec:' .. id end
local function ready_key(q) return P .. 'ready:' .. q end
local function list_key(d) return P .. 'list:' .. d end
local PENDING = P .. 'pending'
local LATER = P .. 'later'
local INFLIGHT = P .. 'inflight'
local EXPIRY = P .. 'expiry'

-- Exact integers up to 2^53: never let Lua's %.14g round a time.
local function int(n) return string.format('%.0f', tonumber(n)) end
local function lex(req, id) return string.format('%015.0f', tonumber(req)) .. ':' .. id end

local function split(s)
  local out = {}
  if s and s ~= '' then for q in string.gmatch(s, '[^,]+') do out[#out + 1] = q end end
  return out
end

-- The list dimensions a record is in.
local function dims(a)
  local d = { 'all', 'status:' .. a.st, 'kind:' .. a.kind, 'number:' .. a.num }
  for _, q in ipairs(split(a.qs)) do d[#d + 1] = 'queue:' .. q end
  return d
end

local FIELDS = { 'st', 'kind', 'cit', 'num', 'req', 'due', 'act', 'granted', 'qs', 'exp' }

local function read_attrs(id)
  local h = redis.call('HMGET', rec_key(id), unpack(FIELDS))
  if not h[1] then return nil end
  local a = {}
  for i, f in ipairs(FIELDS) do a[f] = h[i] or '' end
  return a
end

-- The attributes a create or save passes: ARGV[first] … ARGV[first + 8] in the order of FIELDS
-- (without exp).
local function attrs_from(first)
  local a = {}
  for i = 1, 9 do a[FIELDS[i]] = ARGV[first + i - 1] end
  a.exp = ''
  return a
end

-- Out of every index (the list entries too); the record hash itself stays.
local function unindex(id, a)
  local m = lex(a.req, id)
  for _, d in ipairs(dims(a)) do redis.call('ZREM', list_key(d), m) end
  for _, q in ipairs(split(a.qs)) do redis.call('ZREM', ready_key(q), id) end
  redis.call('ZREM', LATER, id)
  redis.call('ZREM', INFLIGHT, id)
  if redis.call('HGET', PENDING, a.cit) == id then redis.call('HDEL', PENDING, a.cit) end
  if a.exp ~= '' then redis.call('ZREM', EXPIRY, a.exp) end
end

-- Writes the attributes and puts the record in the indexes its state calls for. A pending record
-- never expires; an ended one leaves every index but the lists and expires `retention` ms after now.
local function index(id, a, now, retention)
  local key = rec_key(id)
  redis.call('HSET', key, 'st', a.st, 'kind', a.kind, 'cit', a.cit, 'num', a.num, 'req', a.req, 'due', a.due,
    'act', a.act, 'qs', a.qs)
  if a.granted ~= '' then redis.call('HSET', key, 'granted', a.granted) else redis.call('HDEL', key, 'granted') end
  local m = lex(a.req, id)
  for _, d in ipairs(dims(a)) do redis.call('ZADD', list_key(d), 0, m) end
  if a.st == 'pending' then
    redis.call('HDEL', key, 'exp')
    redis.call('PERSIST', key)
    redis.call('HSET', PENDING, a.cit, id)
    if a.kind == 'busy-time' then
      if a.act ~= '' or a.granted ~= '' then
        redis.call('ZADD', INFLIGHT, a.req, id)
      elseif a.due == '' then
        for _, q in ipairs(split(a.qs)) do redis.call('ZADD', ready_key(q), a.req, id) end
      else
        -- Promoted into the ready sets by the ready script once due (the caller's clock decides).
        redis.call('ZADD', LATER, a.due, id)
      end
    end
  else
    local at = tonumber(now) + tonumber(retention)
    local exp = table.concat({ id, int(a.req), a.st, a.kind, a.num, a.qs }, '|')
    redis.call('ZADD', EXPIRY, int(at), exp)
    redis.call('HSET', key, 'exp', exp)
    redis.call('PEXPIREAT', key, int(at))
  end
end

-- Ended records past their retention: their list entries go (the hash has expired or goes now).
-- At most `max` per call, so every caller's cost stays bounded.
local function sweep(now, max)
  local gone = redis.call('ZRANGEBYSCORE', EXPIRY, '-inf', now, 'LIMIT', 0, max)
  for _, m in ipairs(gone) do
    local id, req, st, kind, num, qs = string.match(m, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|(.*)$')
    if id then
      local lm = lex(req, id)
      for _, d in ipairs(dims({ st = st, kind = kind, num = num, qs = qs })) do redis.call('ZREM', list_key(d), lm) end
      if redis.call('HGET', rec_key(id), 'exp') == m then redis.call('DEL', rec_key(id)) end
    end
    redis.call('ZREM', EXPIRY, m)
  end
  return #gone
end
