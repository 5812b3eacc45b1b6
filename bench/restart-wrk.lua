-- wrk script for bench/restart-bench.sh: keep-alive load that logs every request with a wall-clock timestamp.
--
--   wrk -t C -c C -d 600s -s bench/restart-wrk.lua URL -- OUT_PREFIX [DELAY_MS]
--
-- Use as many threads as connections (-t == -c): each wrk thread then drives one connection, so request() and
-- response() strictly alternate and pair up. Each thread writes OUT_PREFIX<thread>.log with one line per request:
-- "start_epoch_us latency_us status pid" (pid: the demo's "pid=N", the process that served it, or "-"). A request that got no response (wrk met a socket error and reconnected,
-- which calls request() again) is logged as "start_epoch_us -1 err". DELAY_MS is a pause after each response,
-- which keeps the load constant instead of saturating the CPUs the restarting server needs.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } nserv_bench_timespec;
int clock_gettime(int clock_id, nserv_bench_timespec *tp);
]]
local ts = ffi.new("nserv_bench_timespec")

local function now_us()
  ffi.C.clock_gettime(0, ts) -- CLOCK_REALTIME, comparable with the orchestrator's and the Java client's clocks
  return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local file, started, pending, delay_ms, req, verifying

function init(args)
  file = io.open(args[1] .. id .. ".log", "w")
  file:setvbuf("full", 65536)
  delay_ms = tonumber(args[2]) or 0
  req = wrk.format()
  -- wrk calls request() of its first thread once before the load starts, to verify the request: not a request
  verifying = (id == 1)
end

function request()
  if verifying then
    verifying = false
    return req
  end
  local t = now_us()
  if pending then
    file:write(string.format("%d -1 err\n", started))
  end
  started = t
  pending = true
  return req
end

function response(status, headers, body)
  local t = now_us()
  file:write(string.format("%d %d %d %s\n", started, t - started, status, body and body:match("pid=(%d+)") or "-"))
  pending = false
end

function delay()
  return delay_ms
end
