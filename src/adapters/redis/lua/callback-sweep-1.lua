--[[
  Ended callbacks past their retention leave the supervisors' lists (their record hashes expire
  by themselves at the same time). At most ARGV[3] per call.

  KEYS[1] expiry zset
  ARGV[1] callback prefix  ARGV[2] now ms  ARGV[3] at most this many
  Output: how many were swept
]]
--!include callback-lib
return sweep(ARGV[2], tonumber(ARGV[3]))
