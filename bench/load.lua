-- wrk script for `python -m bench load`: GET <prefix><line> with a random line of the paths file.
-- Usage: wrk ... -s bench/load.lua <url> -- <paths file> <prefix>
local paths = {}

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = args[2] .. line
  end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

function done(summary, latency, requests)
  io.write(string.format('{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "non2xx": %d, ' ..
    '"errors": %d}\n', summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout))
end
