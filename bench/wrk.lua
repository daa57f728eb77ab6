-- wrk script for bench/run.sh: POSTs BENCH_BODY (or GETs when it is empty) with
-- BENCH_TOKEN, checks every response (a non-200 status or an `errors` key is a failure)
-- and prints one machine-readable line.
local body = os.getenv("BENCH_BODY") or ""
local token = os.getenv("BENCH_TOKEN") or ""
if body ~= "" then
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
if token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  failures = 0
  responses = 0
  first_failure = ""
end

function response(status, headers, resp)
  responses = responses + 1
  if status ~= 200 or string.find(resp, '"errors"', 1, true) then
    failures = failures + 1
    if first_failure == "" then
      first_failure = tostring(status) .. " " .. string.sub(resp, 1, 300)
    end
  end
end

function done(summary, latency, requests)
  local f, n, example = 0, 0, ""
  for _, t in ipairs(threads) do
    f = f + t:get("failures")
    n = n + t:get("responses")
    if example == "" then example = t:get("first_failure") end
  end
  local secs = summary.duration / 1e6
  io.write(string.format("BENCH rps=%.1f p50_ms=%.1f p99_ms=%.1f checked=%d failures=%d errors=%d\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000, n, f,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
  if example ~= "" then io.write("BENCH first failure: " .. example .. "\n") end
end
