-- wrk script: POST pre-signed unifiedorder bodies, one per line of the file
-- given after `--`. Thread t of T sends lines t, t+T, t+2T, ... so threads
-- never share an out_trade_no; after its last line a thread starts over
-- (re-entries of the same orders).
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  local n = 0
  local stride = tonumber(args[2] or "1")
  local i = 0
  for line in io.lines(args[1]) do
    if i % stride == tid then
      n = n + 1
      bodies[n] = line
    end
    i = i + 1
  end
  idx = 0
  headers = { ["Content-Type"] = "text/xml" }
end

function request()
  idx = idx + 1
  if idx > #bodies then idx = 1 end
  return wrk.format("POST", nil, headers, bodies[idx])
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, "<result_code><!%[CDATA%[SUCCESS%]%]></result_code>", 1, false) then
    failures = (failures or 0) + 1
    if failures <= 3 then print("unexpected answer: " .. status .. " " .. string.sub(body, 1, 200)) end
  end
end
