#!/usr/bin/env bash
# Servlet filter overhead. The same tiny servlet on ONE embedded Jetty 12 (ee10) server JVM, in four contexts:
#   /plain  no filter
#   /noop   a filter that only calls the chain (the container's own cost of a filter; also the noise control)
#   /limit  ConcurrencyLimitFilter (limit never reached)
#   /both   DrainFilter + ConcurrencyLimitFilter
# wrk loads one variant at a time, in many short rounds whose order alternates (forward, then backward), so slow
# drifts of the machine's load hit every variant alike. Each round's ratio is taken against /plain of the SAME
# round; the report gives the median over rounds. Writes the section "## Servlet filter overhead" of BENCHMARKS.md.
#
# Usage: bench/filter-bench.sh [rounds=10] [seconds=2] [threads=2] [connections=50] [limit=1000]
#   (defaults: 20 s of load per variant, about 2 minutes in all)
# Needs: wrk (apt-get install -y wrk); the modules installed in ~/.m2 (the script runs Maven offline).
set -euo pipefail

ROUNDS=${1:-10}
SECONDS_PER_RUN=${2:-2}
THREADS=${3:-2}
CONNECTIONS=${4:-50}
LIMIT=${5:-1000}
VARIANTS="plain noop limit both"

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/out/filter"
rm -rf "$OUT"
mkdir -p "$OUT"
cd "$ROOT"

command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 1; }

mvn -B -q -o -pl nserv-servlet-filter compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$OUT/classpath.txt" >/dev/null
CP="$ROOT/nserv-servlet-filter/target/classes:$(cat "$OUT/classpath.txt")"

FIFO="$OUT/stdin.fifo"
mkfifo "$FIFO"
java -Xms256m -Xmx256m -cp "$CP" bench/FilterBenchServer.java "$LIMIT" < "$FIFO" > "$OUT/server.log" 2>&1 &
SERVER_PID=$!
exec 9> "$FIFO"   # holds the server's stdin open; closing it stops the server
cleanup() { exec 9>&- || true; wait "$SERVER_PID" 2>/dev/null || true; rm -f "$FIFO"; }
trap cleanup EXIT

PORT=""
for _ in $(seq 1 120); do
  PORT=$(sed -n 's/^port=//p' "$OUT/server.log" | head -1)
  [ -n "$PORT" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT/server.log" >&2; exit 1; }
  sleep 0.5
done
[ -n "$PORT" ] || { echo "server did not start" >&2; cat "$OUT/server.log" >&2; exit 1; }
BASE="http://127.0.0.1:$PORT"

cpu_ticks() { # user+system CPU time of the server JVM, in clock ticks
  awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"
}

run() { # variant round
  local before after
  before=$(cpu_ticks)
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$BASE/$1/hello" > "$OUT/$1.$2.txt"
  after=$(cpu_ticks)
  echo "server_cpu_ticks: $((after - before)) hz: $(getconf CLK_TCK)" >> "$OUT/$1.$2.txt"
}

# warm-up: JIT every path, twice
for _ in 1 2; do for v in $VARIANTS; do wrk -t"$THREADS" -c"$CONNECTIONS" -d3s "$BASE/$v/hello" > /dev/null; done; done

REVERSED=$(echo "$VARIANTS" | tr ' ' '\n' | tac | tr '\n' ' ')
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then ORDER="$VARIANTS"; else ORDER="$REVERSED"; fi
  for v in $ORDER; do run "$v" "$r"; done
done

# the filters' own cost, without a container (see bench/FilterMicroBench.java): 1 thread, then 2 threads
# hammering the shared counters at once (the worst case for cross-core cache-line traffic)
for t in 1 2; do
  java -cp "$CP" bench/FilterMicroBench.java "$t" > "$OUT/micro-$t.txt" 2>&1
done

python3 - "$OUT" "$ROUNDS" "$ROOT/BENCHMARKS.md" "$THREADS" "$CONNECTIONS" "$SECONDS_PER_RUN" "$LIMIT" <<'PY'
import os, re, statistics, subprocess, sys, datetime
out, rounds, md, threads, conns, secs, limit = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]
variants = ("plain", "noop", "limit", "both")

def parse(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    cpu = re.search(r"server_cpu_ticks: (\d+) hz: (\d+)", text)
    cpu_us = int(cpu.group(1)) * 1e6 / int(cpu.group(2)) / requests
    return {"rps": rps, "p99": p99_ms, "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "errors": sum(int(x) for x in errors.groups()) if errors else 0, "cpu": cpu_us, "requests": requests}

runs = {v: [parse(os.path.join(out, f"{v}.{r}.txt")) for r in range(1, rounds + 1)] for v in variants}
med = statistics.median

def ratios(v, key, invert=False):
    # per round, against /plain of the same round
    return [(p[key] / x[key]) if invert else (x[key] / p[key]) for x, p in zip(runs[v], runs["plain"])]

def quartiles(xs):
    q = statistics.quantiles(xs, n=4) if len(xs) >= 2 else [xs[0]] * 3
    return q[0], q[2]

lines = ["## Servlet filter overhead", ""]
lines.append("Does `nserv-servlet-filter` cost throughput? The same tiny servlet (`GET /hello`, 6 bytes) runs on one "
             "embedded Jetty 12.1 (ee10) server JVM, in four contexts: `/plain` without a filter, `/noop` behind a filter "
             "that only calls the chain, `/limit` behind `ConcurrencyLimitFilter` (limit %s, never reached), `/both` behind "
             "`DrainFilter` + `ConcurrencyLimitFilter`. wrk loads one variant at a time, in %d rounds of %s s per variant "
             "(the order alternates forward and backward), after a warm-up of 2 x 3 s per variant. Each ratio is taken "
             "against `/plain` of the same round, and the table gives the median over the rounds (with the quartiles)."
             % (limit, rounds, secs))
lines.append("")
lines.append("| variant | median req/s | throughput ratio to plain: median (quartiles) | median p99 (ms) | server CPU per request (us, median) | CPU ratio plain/variant: median (quartiles) | non-2xx | socket errors |")
lines.append("|---|---|---|---|---|---|---|---|")
summary = {}
for v in variants:
    tr = ratios(v, "rps")
    cr = ratios(v, "cpu", invert=True)
    summary[v] = (med(tr), med(cr))
    tq, cq = quartiles(tr), quartiles(cr)
    lines.append("| %s | %.0f | %.3f (%.3f-%.3f) | %.2f | %.2f | %.3f (%.3f-%.3f) | %d | %d |" % (
        v, med([x["rps"] for x in runs[v]]), med(tr), tq[0], tq[1], med([x["p99"] for x in runs[v]]),
        med([x["cpu"] for x in runs[v]]), med(cr), cq[0], cq[1],
        sum(x["non2xx"] for x in runs[v]), sum(x["errors"] for x in runs[v])))
lines.append("")
lines.append("Server CPU per request is the server JVM's user+system time (from /proc) during the round divided by the "
             "requests it served; `CPU ratio plain/variant` is the throughput ratio a CPU-bound server would see.")
lines.append("")
lt, lc = summary["limit"]
nt, nc = summary["noop"]
lines.append("Target: throughput ratio >= 0.98 for `/limit`. Measured (medians): %.3f by throughput, %.3f by CPU per request. "
             "Control: `/noop`, which does nothing but call the chain, measured %.3f and %.3f; the spread of the quartiles "
             "and of the control is the noise of this run." % (lt, lc, nt, nc))
lines.append("")
lines.append("The filters' own code, without a container (`bench/FilterMicroBench.java`: `doFilter` on hand-written request "
             "and response stubs with a chain that does nothing, against calling the chain directly; limit never reached; "
             "thread CPU time per call, median and minimum of 5 rounds of 2,000,000 calls per thread). With 1 thread it is the filters' intrinsic cost; with 2 "
             "threads calling at once it may add cross-core traffic on the shared counters (the limiter's and the drain's "
             "in-flight counts); on a machine as busy as this one the two threads seldom run at the same instant, so that "
             "figure understates contention:")
lines.append("")
for t in (1, 2):
    lines.append("```")
    lines.extend(l for l in open(os.path.join(out, "micro-%d.txt" % t)).read().splitlines() if l.strip())
    lines.append("```")
lines.append("")
direct = {}
own = {}
for l in open(os.path.join(out, "micro-1.txt")).read().splitlines():
    m = re.match(r"^(.*\S)\s+([\d.]+) ns\s+([\d.]+) ns$", l)
    if m:
        own[m.group(1)] = float(m.group(2))
base = own.get("direct (no filter) [async-supported]")
lim = own.get("limit [async-supported]")
both = own.get("drain + limit [async-supported]")
plain_cpu_med = med([x["cpu"] for x in runs["plain"]])
if base and lim and both:
    lines.append("Against the %.1f us of server CPU a `/plain` request costs above, the single-thread medians put `/limit` at "
                 "%.0f ns (%.2f %%) and `/both` at %.0f ns (%.2f %%) of added work per request." % (
                     plain_cpu_med, lim - base, 100 * (lim - base) / (plain_cpu_med * 1000), both - base,
                     100 * (both - base) / (plain_cpu_med * 1000)))
    lines.append("")
def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
java = subprocess.run("java -version", shell=True, capture_output=True, text=True).stderr.strip().splitlines()
cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
lines.append("Machine: nproc=%s (%s), load average %s at the end; `%s`; %s UTC. wrk runs on the same machine, which "
             "other work shares." % (sh("nproc"), cpu, sh("cut -d' ' -f1-3 /proc/loadavg"), java[0] if java else "?",
                                    datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")))
lines.append("")
lines.append("Command: `bench/filter-bench.sh %d %s %s %s %s` (wrk -t%s -c%s -d%ss --latency per round; raw output in "
             "bench/out/filter/, not committed)." % (rounds, secs, threads, conns, limit, threads, conns, secs))
section = "\n".join(lines) + "\n"

text = open(md).read() if os.path.exists(md) else "# Benchmarks\n"
pattern = re.compile(r"^## Servlet filter overhead\n.*?(?=^## |\Z)", re.M | re.S)
if pattern.search(text):
    text = pattern.sub(lambda m: section + ("\n" if m.end() < len(text) else ""), text, count=1)
else:
    text = text.rstrip("\n") + "\n\n" + section
open(md, "w").write(text)
print(section)
PY
