-- wrk script of bench/serve/run: POST /v1/tasks/next, each request with the
-- next of the member tokens in $CUSTODY_BENCH_TOKENS (a file, one per line),
-- so 100 connections speak for 100 members in turn.
local tokens = {}
for line in io.lines(os.getenv("CUSTODY_BENCH_TOKENS")) do
  tokens[#tokens + 1] = line
end
local n = 0
local errors = 0
request = function()
  n = n + 1
  local token = tokens[(n % #tokens) + 1]
  return wrk.format("POST", "/v1/tasks/next", {["Authorization"] = "Bearer " .. token}, "")
end
response = function(status, headers, body)
  if status ~= 200 then
    errors = errors + 1
  end
end
