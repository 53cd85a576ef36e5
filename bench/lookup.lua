-- wrk script for bench/lookup.py: authenticated POSTs of {"number": ...}.
-- Arguments after `--`: API_KEY LISTED_COUNT
-- Listed numbers are +1 (200 + i / 10000) 555 (i % 10000) for i < LISTED_COUNT;
-- the same numbers with exchange 556 are not listed. Half the requests use each.
-- The floor endpoint gets the same bodies and ignores them.

local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_number", next_thread)
end

function init(args)
  api_key = args[1]
  listed_count = tonumber(args[2])
  math.randomseed(os.time() * 100 + thread_number)
  headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Api-Key " .. api_key,
  }
end

function request()
  local i = math.random(0, listed_count - 1)
  local exchange = (math.random(0, 1) == 0) and "555" or "556"
  local number = string.format("+1%d%s%04d", 200 + math.floor(i / 10000), exchange, i % 10000)
  return wrk.format("POST", wrk.path, headers, '{"number": "' .. number .. '"}')
end
