-- POST /api/v1/auth/refresh, one session per thread (run with as many
-- connections as threads): each thread rotates its own token chain, taking
-- the new token from every response. Tokens come comma-separated in
-- $REFRESH_TOKENS.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  local i = 0
  for tok in string.gmatch(os.getenv("REFRESH_TOKENS"), "[^,]+") do
    i = i + 1
    if i == tid then token = tok end
  end
end

function request()
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"},
    string.format('{"refresh_token":"%s"}', token))
end

function response(status, headers, body)
  local next = string.match(body, '"refresh_token":"([^"]+)"')
  if next then token = next end
end
