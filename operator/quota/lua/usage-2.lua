--[[
  A tenant's used and holders, read at one instant (two HGETALLs from the client could see an acquire
  between them, and used would not equal the sum of the holders).

  Input:
    KEYS[1]  ultron:quota:{tenant}:used
    KEYS[2]  ultron:quota:{tenant}:holders

  Output:
    {used as flat resource, units pairs; holders as flat uid, demand JSON pairs}
]]
return {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2])}
