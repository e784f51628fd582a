-- A wrk script that cycles through request paths read from a file, one per
-- line, each wrk thread starting at a different place, so that the server
-- sees many different query points rather than one cached answer.
--   wrk -t2 -c64 -d10s --latency -s bench/wrk-paths.lua http://HOST:PORT -- PATHS_FILE
-- Headers given with -H (a session cookie) are sent with every request.

local threads = 0

function setup(thread)
	thread:set("offset", threads * 7919)
	threads = threads + 1
end

local paths = {}
local i = 0

function init(args)
	for line in io.lines(args[1]) do
		if #line > 0 then
			paths[#paths + 1] = line
		end
	end
	assert(#paths > 0, "no paths in " .. tostring(args[1]))
	i = (offset or 0) % #paths
end

function request()
	i = i % #paths + 1
	return wrk.format(nil, paths[i])
end
