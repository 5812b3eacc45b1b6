#!/usr/bin/env bash
# Servlet filter overhead: the same tiny servlet on embedded Jetty 12 without a filter (/plain), behind
# a pass-through filter (/noop), behind ConcurrencyLimitFilter (/limit), and behind DrainFilter + ConcurrencyLimitFilter (/both), all in ONE server
# JVM, measured with wrk in alternating rounds. Writes the section "## Servlet filter overhead" of BENCHMARKS.md.
#
# Usage: bench/filter-bench.sh [rounds=2] [seconds=10] [threads=2] [connections=50] [limit=1000]
# Needs: wrk (apt-get install -y wrk), Maven with the nserv modules built (mvn -o -pl nserv-servlet-filter install).
set -euo pipefail

ROUNDS=${1:-2}
SECONDS_PER_RUN=${2:-10}
THREADS=${3:-2}
CONNECTIONS=${4:-50}
LIMIT=${5:-1000}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/out/filter"
mkdir -p "$OUT"
cd "$ROOT"

command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 1; }

mvn -B -q -o -pl nserv-servlet-filter compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$OUT/classpath.txt" >/dev/null
CP="$ROOT/nserv-servlet-filter/target/classes:$(cat "$OUT/classpath.txt")"

FIFO="$OUT/stdin.fifo"
rm -f "$FIFO"; mkfifo "$FIFO"
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
  # server CPU per request is far less sensitive to other load on the machine than throughput
  echo "server_cpu_ticks: $((after - before)) hz: $(getconf CLK_TCK)" >> "$OUT/$1.$2.txt"
}

# warm-up: JIT all three paths, twice
for _ in 1 2; do for v in plain noop limit both; do wrk -t"$THREADS" -c"$CONNECTIONS" -d3s "$BASE/$v/hello" > /dev/null; done; done

for r in $(seq 1 "$ROUNDS"); do
  # alternate the order so no variant always runs first in a round
  if [ $((r % 2)) -eq 1 ]; then ORDER="plain noop limit both"; else ORDER="both limit noop plain"; fi
  for v in $ORDER; do run "$v" "$r"; done
done

# paired: both variants loaded AT THE SAME TIME (half the connections each), so background load on the
# machine hits both alike; the ratio of their throughputs is the ratio of their per-request costs
HALF=$(( CONNECTIONS / 2 ))
for r in $(seq 1 "$ROUNDS"); do
  for v in limit both; do
    # swap which wrk starts first every round, so a start-order advantage cancels out over the rounds
    if [ $((r % 2)) -eq 1 ]; then FIRST=plain; SECOND=$v; else FIRST=$v; SECOND=plain; fi
    wrk -t1 -c"$HALF" -d"${SECONDS_PER_RUN}s" --latency "$BASE/$FIRST/hello" > "$OUT/pair-$v-$FIRST.$r.txt" &
    P1=$!
    wrk -t1 -c"$HALF" -d"${SECONDS_PER_RUN}s" --latency "$BASE/$SECOND/hello" > "$OUT/pair-$v-$SECOND.$r.txt" &
    P2=$!
    wait "$P1" "$P2"
  done
done

python3 - "$OUT" "$ROUNDS" "$ROOT/BENCHMARKS.md" "$THREADS" "$CONNECTIONS" "$SECONDS_PER_RUN" "$LIMIT" <<'PY'
import os, re, subprocess, sys, datetime
out, rounds, md, threads, conns, secs, limit = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]

def parse(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors:.*", text)
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    cpu = re.search(r"server_cpu_ticks: (\d+) hz: (\d+)", text)
    cpu_us = int(cpu.group(1)) * 1e6 / int(cpu.group(2)) / requests if cpu else float("nan")
    return rps, float(p99.group(1)) * scale, int(non2xx.group(1)) if non2xx else 0, errors.group(0) if errors else "", cpu_us

rows = {}
for v in ("plain", "noop", "limit", "both"):
    samples = [parse(os.path.join(out, f"{v}.{r}.txt")) for r in range(1, rounds + 1)]
    rows[v] = samples

def mean(xs): return sum(xs) / len(xs)
plain_rps = mean([s[0] for s in rows["plain"]])
lines = []
lines.append("## Servlet filter overhead")
lines.append("")
lines.append("The same tiny servlet (`GET /hello`, 6 bytes) on one embedded Jetty 12.1 (ee10) server, in four contexts: "
             "`/plain` without a filter, `/noop` behind a filter that only calls the chain (the container's own cost of a filter), `/limit` behind `ConcurrencyLimitFilter` (limit %s, never reached), `/both` behind "
             "`DrainFilter` + `ConcurrencyLimitFilter`. One server JVM, wrk runs alternating between the variants "
             "(%d rounds of %s s each, after a warm-up of 2 x 3 s per variant), so every ratio is against plain Jetty measured in the same run." % (limit, rounds, secs))
lines.append("")
plain_cpu = mean([x[4] for x in rows["plain"]])
lines.append("| variant | req/s per round | mean req/s | ratio to plain | p99 per round (ms) | server CPU us/request | CPU ratio plain/variant | non-2xx | socket errors |")
lines.append("|---|---|---|---|---|---|---|---|---|")
for v in ("plain", "noop", "limit", "both"):
    s = rows[v]
    m = mean([x[0] for x in s])
    c = mean([x[4] for x in s])
    lines.append("| %s | %s | %.0f | %.3f | %s | %.1f | %.3f | %d | %s |" % (
        v, ", ".join("%.0f" % x[0] for x in s), m, m / plain_rps, ", ".join("%.2f" % x[1] for x in s),
        c, plain_cpu / c, sum(x[2] for x in s), "; ".join(x[3] for x in s if x[3]) or "0"))
lines.append("")
lines.append("Server CPU per request is the server JVM's user+system time (from /proc) during the run divided by the requests "
             "served; unlike throughput it hardly depends on what else runs on the machine. `CPU ratio plain/variant` is the "
             "throughput ratio a CPU-bound server would see.")
lines.append("")
lines.append("Paired runs: in each round `/plain` and the filtered variant are loaded at the same time, by two wrk "
             "processes of 1 thread and %d connections each, so load from elsewhere on the machine hits both alike." % (int(conns) // 2))
lines.append("")
lines.append("| pair | plain req/s per round | filtered req/s per round | ratio per round | ratio of sums | p99 plain / filtered (ms) |")
lines.append("|---|---|---|---|---|---|")
paired = {}
for v in ("limit", "both"):
    p = [parse(os.path.join(out, f"pair-{v}-plain.{r}.txt")) for r in range(1, rounds + 1)]
    f = [parse(os.path.join(out, f"pair-{v}-{v}.{r}.txt")) for r in range(1, rounds + 1)]
    paired[v] = sum(x[0] for x in f) / sum(x[0] for x in p)
    lines.append("| plain + %s | %s | %s | %s | %.3f | %s |" % (v, ", ".join("%.0f" % x[0] for x in p), ", ".join("%.0f" % x[0] for x in f),
        ", ".join("%.3f" % (b[0] / a[0]) for a, b in zip(p, f)), paired[v],
        ", ".join("%.2f / %.2f" % (a[1], b[1]) for a, b in zip(p, f))))
lines.append("")
ratio = mean([x[0] for x in rows["limit"]]) / plain_rps
cpu_ratio = plain_cpu / mean([x[4] for x in rows["limit"]])
lines.append("Target: throughput ratio >= 0.98 for `/limit`. Measured: %.3f alternating, %.3f paired, %.3f by server CPU per request." % (
    ratio, paired["limit"], cpu_ratio))
lines.append("")
def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
java = subprocess.run("java -version", shell=True, capture_output=True, text=True).stderr.strip().splitlines()
cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
lines.append("Machine: nproc=%s, %s; `%s`; %s UTC. wrk and the server share the machine (and its 2 cores with other work), "
             "so single rounds vary (see the per-round columns); read the mean ratio, not the absolute numbers." % (
    sh("nproc"), cpu, java[0] if java else "?", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")))
lines.append("")
lines.append("Command: `bench/filter-bench.sh %d %s %s %s %s` (wrk -t%s -c%s -d%ss --latency; raw output in bench/out/filter/)." % (
    rounds, secs, threads, conns, limit, threads, conns, secs))
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
