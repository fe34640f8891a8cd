--[[
  Makes a tenant's holders exactly the live trials, and used exactly their sum.

  Input:
    KEYS[1]  ultron:quota:{tenant}:used
    KEYS[2]  ultron:quota:{tenant}:holders
    KEYS[3]  ultron:quota:{tenant}:epoch
    ARGV[1]  the caller's epoch, set once the holders are the live set ('' leaves it as it is)
    ARGV[2..] pairs trial uid, demand JSON of every trial that is admitted and not ended

  Output:
    {released uids, registered uids, repaired}
      released    holders that were not live (dropped)
      registered  live trials that had no holder (recorded without a limit check: they already run)
      repaired    1 if used did not equal the sum of the holders found, else 0; used is rewritten
]]
--- @include "includes/used"

local live = {}
for i = 2, #ARGV, 2 do
  live[ARGV[i]] = ARGV[i + 1]
end

local function addTo(sum, demand)
  for resource, n in pairs(demand) do
    sum[resource] = (sum[resource] or 0) + n
  end
end

local found = {}    -- resource -> units, the sum of the holders as found
local kept = {}     -- resource -> units, the sum of the holders after this call
local released = {}
local held = {}
local holders = redis.call('HGETALL', KEYS[2])
for i = 1, #holders, 2 do
  local uid = holders[i]
  local demand = cjson.decode(holders[i + 1])
  addTo(found, demand)
  if live[uid] == nil then
    redis.call('HDEL', KEYS[2], uid)
    table.insert(released, uid)
  else
    held[uid] = true
    addTo(kept, demand)
  end
end

local registered = {}
for uid, text in pairs(live) do
  if not held[uid] then
    redis.call('HSET', KEYS[2], uid, text)
    addTo(kept, cjson.decode(text))
    table.insert(registered, uid)
  end
end

-- Compares a used hash (HGETALL reply) with a sum, ignoring resources at 0.
local function same(flat, sum)
  local seen = 0
  for i = 1, #flat, 2 do
    if tonumber(flat[i + 1]) ~= (sum[flat[i]] or 0) then
      return false
    end
    seen = seen + 1
  end
  for _, n in pairs(sum) do
    if n ~= 0 then
      seen = seen - 1
    end
  end
  return seen == 0
end

local current = redis.call('HGETALL', KEYS[1])
local repaired = 0
if not same(current, found) then
  repaired = 1
end
if not same(current, kept) then
  redis.call('DEL', KEYS[1])
  for resource, n in pairs(kept) do
    if n > 0 then
      redis.call('HSET', KEYS[1], resource, units(n))
    end
  end
end
if ARGV[1] ~= '' then
  redis.call('SET', KEYS[3], ARGV[1])
end
return {released, registered, repaired}
