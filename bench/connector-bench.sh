#!/usr/bin/env bash
# Throttled connector overhead: the same 6-byte handler behind a plain ServerConnector and behind
# ThrottledServerConnectors (one with a limit far above the load, one with the limit equal to wrk's connection
# count), all in ONE server JVM (bench/ConnectorBenchServer.java), loaded by wrk in alternating runs
# (plain, throttled, plain, throttled, ...), with keep-alive and with a new connection per request; then in
# paired runs (plain and throttled loaded at the same time by two wrk processes with half the connections each,
# so that outside load on the machine hits both alike).
# Writes the section "## Throttled connector vs plain ServerConnector" of BENCHMARKS.md.
#
# Usage: bench/connector-bench.sh [rounds=3] [seconds=10] [threads=2] [connections=50]
# Needs: wrk (apt-get install -y wrk), python3, and nserv.jar (built here with
#   mvn -B -q -o -pl nserv-jetty package -DskipTests if absent; or point NSERV_JAR at one).
set -euo pipefail

ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-10}
THREADS=${3:-2}
CONNECTIONS=${4:-50}
HIGH_LIMIT=100000

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/out/connector"
JAR=${NSERV_JAR:-$ROOT/nserv-jetty/target/nserv.jar}
MD=${BENCHMARKS_MD:-$ROOT/BENCHMARKS.md}
mkdir -p "$OUT"
rm -f "$OUT"/*.txt
cd "$ROOT"

command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 1; }
if [ ! -f "$JAR" ]; then
  mvn -B -q -o -pl nserv-jetty package -DskipTests
fi

FIFO="$OUT/stdin.fifo"
rm -f "$FIFO"; mkfifo "$FIFO"
java -Xms256m -Xmx256m -cp "$JAR" bench/ConnectorBenchServer.java --mode both \
  --max "$HIGH_LIMIT" --at-load "$CONNECTIONS" --pair-load "$((CONNECTIONS / 2))" < "$FIFO" > "$OUT/server.log" 2>&1 &
SERVER_PID=$!
exec 9> "$FIFO"   # holds the server's stdin open; closing it stops the server
cleanup() { exec 9>&- || true; wait "$SERVER_PID" 2>/dev/null || true; rm -f "$FIFO"; }
trap cleanup EXIT

port_of() { sed -n "s/^port\.$1=//p" "$OUT/server.log" | head -1; }
for _ in $(seq 1 120); do
  [ -n "$(port_of throttled-at-load)" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT/server.log" >&2; exit 1; }
  sleep 0.5
done
[ -n "$(port_of throttled-at-load)" ] || { echo "server did not start" >&2; cat "$OUT/server.log" >&2; exit 1; }
declare -A PORT=([plain]=$(port_of plain) [throttled]=$(port_of throttled) [throttled-at-load]=$(port_of throttled-at-load)
  [throttled-at-pair-load]=$(port_of throttled-at-pair-load))

cpu_ticks() { # user+system CPU time of the server JVM, in clock ticks
  awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"
}

wrk_run() { # connector style seconds [output] [threads] [connections]
  local header=()
  [ "$2" = close ] && header=(-H 'Connection: close')
  wrk -t"${5:-$THREADS}" -c"${6:-$CONNECTIONS}" -d"$3s" --latency "${header[@]}" "http://127.0.0.1:${PORT[$1]}/" > "${4:-/dev/null}"
}

run() { # scenario connector style round
  local file="$OUT/$1.$2.$4.txt" before after
  before=$(cpu_ticks)
  wrk_run "$2" "$3" "$SECONDS_PER_RUN" "$file"
  after=$(cpu_ticks)
  # the server's CPU per request is far less sensitive to other load on the machine than throughput
  echo "server_cpu_ticks: $((after - before)) hz: $(getconf CLK_TCK)" >> "$file"
}

# warm-up: JIT every connector in both styles, twice
for _ in 1 2; do
  for c in plain throttled throttled-at-load; do
    for s in keepalive close; do wrk_run "$c" "$s" 3; done
  done
done

# scenario = style + which throttled connector is compared with plain
SCENARIOS="keepalive-high:keepalive:throttled keepalive-atload:keepalive:throttled-at-load close-high:close:throttled close-atload:close:throttled-at-load"
for r in $(seq 1 "$ROUNDS"); do
  for s in $SCENARIOS; do
    IFS=: read -r name style throttled <<< "$s"
    run "$name" plain "$style" "$r"
    run "$name" "$throttled" "$style" "$r"
  done
done

# paired: both connectors loaded at once, each by one wrk thread with half the connections
PAIRED="keepalive-high:keepalive:throttled keepalive-atload:keepalive:throttled-at-pair-load close-high:close:throttled close-atload:close:throttled-at-pair-load"
HALF=$((CONNECTIONS / 2))
for r in $(seq 1 "$ROUNDS"); do
  for s in $PAIRED; do
    IFS=: read -r name style throttled <<< "$s"
    wrk_run plain "$style" "$SECONDS_PER_RUN" "$OUT/paired-$name.plain.$r.txt" 1 "$HALF" &
    PLAIN_WRK=$!
    wrk_run "$throttled" "$style" "$SECONDS_PER_RUN" "$OUT/paired-$name.$throttled.$r.txt" 1 "$HALF"
    wait "$PLAIN_WRK"
    echo "server_cpu_ticks: 0 hz: 100" | tee -a "$OUT/paired-$name.plain.$r.txt" >> "$OUT/paired-$name.$throttled.$r.txt"
  done
done

MACHINE="nproc=$(nproc), $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), kernel $(uname -r); $(java -version 2>&1 | head -1)"
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
COMMAND="bench/connector-bench.sh $ROUNDS $SECONDS_PER_RUN $THREADS $CONNECTIONS"
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
MACHINE="$MACHINE; nserv at commit $COMMIT"
LOAD="$(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$OUT" "$MD" "$ROUNDS" "$SECONDS_PER_RUN" "$THREADS" "$CONNECTIONS" "$HIGH_LIMIT" \
  "$MACHINE" "$DATE" "$COMMAND" "$LOAD" <<'PY'
import os, re, sys

out, md, rounds, secs, threads, conns, high, machine, date, command, load = sys.argv[1:]
rounds = int(rounds)
HEADING = "## Throttled connector vs plain ServerConnector"

def median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2

def millis(text):
    m = re.match(r"([\d.]+)(us|ms|s)$", text)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

def parse(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p99 = millis(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    errors = sum(int(g) for g in errors.groups()) if errors else 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    non2xx = int(non2xx.group(1)) if non2xx else 0
    ticks, hz = re.search(r"server_cpu_ticks: (-?\d+) hz: (\d+)", text).groups()
    cpu_us = int(ticks) / int(hz) * 1e6 / max(requests, 1)
    return dict(rps=rps, p99=p99, errors=errors, non2xx=non2xx, cpu=cpu_us)

scenarios = [
    ("keepalive-high", "keep-alive", "throttled", f"far above the load ({high})"),
    ("keepalive-atload", "keep-alive", "throttled-at-load", f"at the load ({conns})"),
    ("close-high", "`Connection: close`", "throttled", f"far above the load ({high})"),
    ("close-atload", "`Connection: close`", "throttled-at-load", f"at the load ({conns})"),
]
rows, verdicts = [], []
for name, style, throttled, limit in scenarios:
    plain = [parse(os.path.join(out, f"{name}.plain.{r}.txt")) for r in range(1, rounds + 1)]
    thr = [parse(os.path.join(out, f"{name}.{throttled}.{r}.txt")) for r in range(1, rounds + 1)]
    mean = lambda runs, key: sum(x[key] for x in runs) / len(runs)
    tput = mean(thr, "rps") / mean(plain, "rps")
    p99 = mean(thr, "p99") / mean(plain, "p99")
    cpu = mean(thr, "cpu") / mean(plain, "cpu")
    per_round = ", ".join(f"{t['rps'] / p['rps']:.3f}" for p, t in zip(plain, thr))
    med_t = median([t["rps"] / p["rps"] for p, t in zip(plain, thr)])
    med_p = median([t["p99"] / p["p99"] for p, t in zip(plain, thr)])
    rows.append(
        f"| {style} | {limit} | {mean(plain, 'rps'):.0f} | {mean(thr, 'rps'):.0f} | **{tput:.3f}** | {per_round} | {med_t:.3f} "
        f"| {mean(plain, 'p99'):.2f} | {mean(thr, 'p99'):.2f} | **{p99:.3f}** | {med_p:.3f} | {cpu:.3f} "
        f"| {sum(x['errors'] for x in plain)} / {sum(x['errors'] for x in thr)} "
        f"| {sum(x['non2xx'] for x in plain)} / {sum(x['non2xx'] for x in thr)} |")
    ok_t = "met" if tput >= 0.98 else "NOT met"
    ok_p = "met" if p99 <= 1.05 else "NOT met"
    verdicts.append(f"{style}, limit {limit}: throughput {tput:.3f} ({ok_t}; median per round {med_t:.3f}), "
                    f"p99 {p99:.3f} ({ok_p}; median per round {med_p:.3f})")

paired_rows, paired_verdicts = [], []
for name, style, throttled, limit in scenarios:
    if throttled == "throttled-at-load":
        throttled, limit = "throttled-at-pair-load", f"at the load ({int(conns) // 2})"
    plain = [parse(os.path.join(out, f"paired-{name}.plain.{r}.txt")) for r in range(1, rounds + 1)]
    thr = [parse(os.path.join(out, f"paired-{name}.{throttled}.{r}.txt")) for r in range(1, rounds + 1)]
    tput = sum(x["rps"] for x in thr) / sum(x["rps"] for x in plain)
    p99 = sum(x["p99"] for x in thr) / sum(x["p99"] for x in plain)
    per_round = ", ".join(f"{t['rps'] / p['rps']:.3f}" for p, t in zip(plain, thr))
    med_t = median([t["rps"] / p["rps"] for p, t in zip(plain, thr)])
    med_p = median([t["p99"] / p["p99"] for p, t in zip(plain, thr)])
    paired_rows.append(
        f"| {style} | {limit} | {sum(x['rps'] for x in plain) / rounds:.0f} | {sum(x['rps'] for x in thr) / rounds:.0f} "
        f"| **{tput:.3f}** | {per_round} | {med_t:.3f} | {sum(x['p99'] for x in plain) / rounds:.2f} | {sum(x['p99'] for x in thr) / rounds:.2f} "
        f"| **{p99:.3f}** | {med_p:.3f} | {sum(x['errors'] for x in plain)} / {sum(x['errors'] for x in thr)} "
        f"| {sum(x['non2xx'] for x in plain)} / {sum(x['non2xx'] for x in thr)} |")
    paired_verdicts.append(f"{style}, limit {limit}: throughput {tput:.3f} (median per round {med_t:.3f}), "
                           f"p99 {p99:.3f} (median per round {med_p:.3f})")

section = f"""{HEADING}

The same 6-byte handler on one embedded Jetty 12.1 server (no servlet layer, so that the connector's cost is not
diluted), reached through three connectors of that one JVM: a plain `ServerConnector`, a
`ThrottledServerConnector` with `maxConnections` far above the load, and one with `maxConnections` equal to wrk's
connection count. One acceptor each, same accept backlog (1024); the throttled ones use their defaults otherwise
(WAIT policy, TCP keep-alive set on every accepted socket). wrk runs alternate plain, throttled, plain, throttled
({rounds} rounds of {secs} s per variant and scenario, after a warm-up of 2 x 3 s per connector and style), so
every ratio is against plain Jetty measured in the same run. Ratios are throttled / plain of the means over the
rounds; server CPU is the server JVM's user+system time per request.

| requests | limit | plain req/s | throttled req/s | throughput ratio | ratio per round | median | plain p99 (ms) | throttled p99 (ms) | p99 ratio | median per round | server CPU/request ratio | socket errors plain / throttled | non-2xx plain / throttled |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
""" + "\n".join(rows) + f"""

Paired runs: in each round plain and throttled are loaded at the same time by two wrk processes of 1 thread and
{int(conns) // 2} connections each (the at-load connector then has a limit of {int(conns) // 2}), so that load from
elsewhere on the machine hits both alike; ratios are of the sums over the rounds.

| requests | limit | plain req/s | throttled req/s | throughput ratio | ratio per round | median | plain p99 (ms) | throttled p99 (ms) | p99 ratio | median per round | socket errors plain / throttled | non-2xx plain / throttled |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
""" + "\n".join(paired_rows) + f"""

Targets: throughput ratio >= 0.98, p99 ratio <= 1.05. Measured, alternating: {"; ".join(verdicts)}.
Paired: {"; ".join(paired_verdicts)}.

Machine: {machine}; {date}; load average at the end of the run {load} (the machine's 2 cores are shared with
wrk and with other work, so single rounds vary: read the per-round column and the CPU/request ratio, which is
the least sensitive to outside load).

Command: `{command}` (wrk -t{threads} -c{conns} -d{secs}s --latency, plus `-H 'Connection: close'` for the
new-connection-per-request rows; raw output in bench/out/connector/).
"""

text = open(md).read() if os.path.exists(md) else "# Benchmarks\n"
start = text.find(HEADING)
if start < 0:
    text = text.rstrip("\n") + "\n\n" + section
else:
    nxt = text.find("\n## ", start + len(HEADING))
    # only this section is replaced; the sections of other benchmarks are left as they are
    text = text[:start] + section + ("\n" + text[nxt + 1:] if nxt >= 0 else "")
open(md, "w").write(text)
print(section)
PY
