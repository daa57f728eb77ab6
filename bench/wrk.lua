-- wrk script for bench/run.sh: POSTs BENCH_BODY (or GETs when it is empty) with
-- BENCH_TOKEN, checks every response (a non-200 status, an `errors` key or a non-empty
-- `userErrors` list is a failure) and prints one machine-readable line.
--
-- Write workloads: in BENCH_BODY, each `__UUID__` becomes a fresh random UUID per request
-- (a new clientSubmissionId, so no request is an idempotent replay), `__LOAN__` one of the
-- comma-separated global ids in BENCH_LOANS and `__DAY__` a two-digit day of BENCH_DAYS
-- ("first-last", e.g. "02-27"), both at random.
local body = os.getenv("BENCH_BODY") or ""
local token = os.getenv("BENCH_TOKEN") or ""
local loans = {}
for l in string.gmatch(os.getenv("BENCH_LOANS") or "", "[^,]+") do table.insert(loans, l) end
local day_from, day_to = string.match(os.getenv("BENCH_DAYS") or "01-01", "(%d+)-(%d+)")
day_from, day_to = tonumber(day_from), tonumber(day_to)
local templated = string.find(body, "__UUID__", 1, true) ~= nil
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
  thread:set("thread_no", #threads)
end

local function uuid()
  return (string.gsub("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", "[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

if templated then
  function request()
    local b = string.gsub(body, "__UUID__", uuid)
    if #loans > 0 then b = string.gsub(b, "__LOAN__", function() return loans[math.random(#loans)] end) end
    b = string.gsub(b, "__DAY__", function() return string.format("%02d", math.random(day_from, day_to)) end)
    return wrk.format(nil, nil, nil, b)
  end
end

function init(args)
  -- Each thread its own sequence (its number and the clock): no two requests share an id.
  math.randomseed(os.time() * 100 + (thread_no or 0) + math.floor((os.clock() * 1e6) % 1e6))
  failures = 0
  responses = 0
  first_failure = ""
end

function response(status, headers, resp)
  responses = responses + 1
  if status ~= 200 or string.find(resp, '"errors"', 1, true)
      or (string.find(resp, '"userErrors"', 1, true) and not string.find(resp, '"userErrors":[]', 1, true)) then
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
