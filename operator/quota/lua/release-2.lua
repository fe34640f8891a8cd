--[[
  Gives back what a trial holds; idempotent.

  Input:
    KEYS[1]  ultron:quota:{tenant}:used
    KEYS[2]  ultron:quota:{tenant}:holders
    ARGV[1]  trial uid

  Output:
    the demand JSON the trial held (now subtracted from used), or nil if it held nothing
]]
--- @include "includes/used"

local held = redis.call('HGET', KEYS[2], ARGV[1])
if not held then
  return false
end
redis.call('HDEL', KEYS[2], ARGV[1])
addToUsed(KEYS[1], cjson.decode(held), -1)
return held
