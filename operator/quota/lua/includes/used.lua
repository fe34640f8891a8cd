--[[
  Shared by the quota scripts: integer units as Redis wants them, and moving a demand in or out of a
  tenant's used hash.
]]

-- Lua numbers are doubles and Redis turns them into text with %.14g (1e+15), which HINCRBY and HSET
-- would store or refuse as such; demands are integers below 2^53, so %d is exact.
local function units(n)
  return string.format('%d', n)
end

-- Adds sign * demand to the used hash; a resource that reaches 0 (or below, after a partial loss that
-- reconcile will repair) is deleted, so an idle tenant has no used key at all.
local function addToUsed(usedKey, demand, sign)
  for resource, n in pairs(demand) do
    if n ~= 0 then
      local v = redis.call('HINCRBY', usedKey, resource, units(sign * n))
      if v <= 0 then
        redis.call('HDEL', usedKey, resource)
      end
    end
  end
end
