-- wrk script: every request gets a path of its own, so no cache can answer it.
--   wrk ... -s unique.lua <url> -- <path with {n}> <run id>
-- {n} becomes <run id>-<thread>-<count>: unique across runs, threads and requests.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local pre, post, run
local n = 0

function init(args)
  local at = string.find(args[1], "{n}", 1, true)
  pre = string.sub(args[1], 1, at - 1)
  post = string.sub(args[1], at + 3)
  run = args[2]
end

function request()
  n = n + 1
  return wrk.format(nil, pre .. run .. "-" .. tid .. "-" .. n .. post)
end
