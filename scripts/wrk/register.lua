-- POST /api/v1/auth/register with a new email on every request.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  prefix = tostring(tid) .. "-" .. tostring(os.time())
  counter = 0
end

function request()
  counter = counter + 1
  local body = string.format('{"email":"r%s-%d@example.com","password":"Bench-passw0rd"}', prefix, counter)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
