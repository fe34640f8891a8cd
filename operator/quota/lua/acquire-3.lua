--[[
  Grants a trial its demand if every limited resource fits; idempotent per trial.

  Input:
    KEYS[1]  ultron:quota:{tenant}:used     hash resource -> units in use
    KEYS[2]  ultron:quota:{tenant}:holders  hash trial uid -> demand JSON
    KEYS[3]  ultron:quota:{tenant}:epoch    the epoch of the last reconcile (a string)
    ARGV[1]  trial uid
    ARGV[2]  demand JSON {resource: units}, integers, zero entries left out
    ARGV[3]  the caller's epoch, or '' for no check
    ARGV[4..] limits as pairs resource, units; a resource not named is not limited

  Output:
    {1}  granted now: the holder is recorded and used grew by the demand
    {2}  already held: nothing changed (a retry, or a second replica's call)
    {0, resource, demand, used, limit, ...}  denied; one quadruple per resource that does not fit
    {3}  not reconciled: the epoch is missing or another's (Redis lost its data, or another replica
         reconciled since); nothing changed, the caller reconciles and asks again
]]
--- @include "includes/used"

if ARGV[3] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[3] then
  return {3}
end

if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  return {2}
end

local demand = cjson.decode(ARGV[2])
local limits = {}
for i = 4, #ARGV, 2 do
  limits[ARGV[i]] = tonumber(ARGV[i + 1])
end

local denied = {0}
for resource, n in pairs(demand) do
  local limit = limits[resource]
  if limit ~= nil and n > 0 then
    local used = tonumber(redis.call('HGET', KEYS[1], resource) or '0')
    if used + n > limit then
      table.insert(denied, resource)
      table.insert(denied, units(n))
      table.insert(denied, units(used))
      table.insert(denied, units(limit))
    end
  end
end
if #denied > 1 then
  return denied
end

redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
addToUsed(KEYS[1], demand, 1)
return {1}
