#!/usr/bin/env bash
# Request path: nserv.jar with the demo WAR against plain Jetty (bench/PlainJettyWar.java: plain ServerConnector,
# WebAppContext, the same jars and ee10 features) serving the same WAR. All servers run at once, each idle while
# another is loaded; every round loads each of them in turn with `wrk -tT -cC -dS` on GET /, so drift and outside
# load on the shared machine hit them alike. Reports medians of throughput and of the server JVM's CPU per request
# (utime+stime from /proc/PID/stat over the wrk run, divided by the requests wrk counted).
#
#   bench/request-path-bench.sh [ROUNDS=9] [SECONDS=10] [THREADS=2] [CONNECTIONS=32]
#
# Extra nserv variants to attribute costs, each NAME=ARGS (nserv flags, e.g. a --config file), separated by ';':
#   VARIANTS='no-h2c=--config bench/request-path/no-h2c.xml;no-deadline=--config bench/request-path/no-deadline.xml'
# WRITE_MD=1 replaces the section "## Request path: nserv vs plain Jetty" of BENCHMARKS.md with the table (only the
# figures: the per-component table there is written by hand from VARIANTS runs). JFR=1 records nserv under load
# (bench/out/request-path/nserv.jfr). Needs wrk, python3, and nserv.jar (mvn -B package -DskipTests).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-9}
SECS=${2:-10}
THREADS=${3:-2}
CONNS=${4:-32}
jar=nserv-jetty/target/nserv.jar
war=nserv-demo-war/target/nserv-demo.war
[ -f "$jar" ] && [ -f "$war" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 2; }
out=bench/out/request-path; mkdir -p "$out/classes"
rm -f "$out"/*.txt "$out"/*.log
mvn -B -q -o -pl nserv-jetty dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$PWD/$out/classpath.txt" >/dev/null
cp_plain=$(cat "$out/classpath.txt")
javac -nowarn -cp "$cp_plain" -d "$out/classes" bench/PlainJettyWar.java
hz=$(getconf CLK_TCK)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

declare -A PORT PID
names=()
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

start() { # NAME KIND [nserv args...]
  local name=$1 kind=$2 port; shift 2
  port=$(free_port)
  if [ "$kind" = plain ]; then
    java ${JAVA_OPTS:-} -cp "$cp_plain:$out/classes" PlainJettyWar "$port" "$war" >"$out/$name.log" 2>&1 &
  else
    local jfr=()
    [ "${JFR:-0}" = 1 ] && [ "$name" = nserv ] && jfr=(-XX:StartFlightRecording=filename="$out/nserv.jfr",settings=profile,dumponexit=true)
    # a state directory of its own: sessions and the control socket do not meet another run's
    java ${JAVA_OPTS:-} "${jfr[@]}" -jar "$jar" --host 127.0.0.1 --port "$port" --state-dir "$out/state-$name" \
      --control-socket "$out/ctl-$name.sock" "$@" >"$out/$name.log" 2>&1 &
  fi
  PID[$name]=$!; PORT[$name]=$port; names+=("$name"); pids+=($!)
}

start plain plain
start nserv nserv
IFS=';' read -ra extra <<< "${VARIANTS:-}"
for v in "${extra[@]}"; do
  [ -n "$v" ] || continue
  # shellcheck disable=SC2086
  start "${v%%=*}" nserv ${v#*=}
done

for n in "${names[@]}"; do
  for _ in $(seq 1 1500); do   # at most 60 s
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORT[$n]}/")" = 200 ] && break
    kill -0 "${PID[$n]}" 2>/dev/null || { echo "$n died:" >&2; cat "$out/$n.log" >&2; exit 1; }
    sleep 0.04
  done
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORT[$n]}/")" = 200 ] || { echo "$n did not start" >&2; exit 1; }
done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
load() { # NAME SECONDS -> "requests_per_s cpu_us_per_request"
  local n=$1 before after file="$out/wrk.$1.txt" requests errors
  before=$(ticks "${PID[$n]}")
  wrk -t"$THREADS" -c"$CONNS" -d"$2s" "http://127.0.0.1:${PORT[$n]}/" > "$file"
  after=$(ticks "${PID[$n]}")
  requests=$(awk '/requests in/ {print $1}' "$file")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$file")
  [ -z "$errors" ] || echo "$n: $errors" >&2
  awk -v r="$requests" -v s="$2" -v t=$((after - before)) -v hz="$hz" 'BEGIN {printf "%.0f %.2f\n", r / s, t * 1e6 / hz / r}'
}

# warm-up: JIT each server's request path
for _ in 1 2; do for n in "${names[@]}"; do load "$n" 5 >/dev/null; done; done

declare -A RPS CPU
for i in $(seq 1 "$ROUNDS"); do
  line="round $i:"
  for n in "${names[@]}"; do
    read -r r c < <(load "$n" "$SECS")
    RPS[$n]="${RPS[$n]:-} $r"; CPU[$n]="${CPU[$n]:-} $c"
    line="$line $n $r req/s ${c} us/req;"
  done
  echo "$line" | tee -a "$out/rounds.txt"
done

median() { printf '%s\n' $@ | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
table="| server | requests/s | server CPU per request (us) | CPU per request vs plain |
|---|---|---|---|"
plain_cpu=$(median ${CPU[plain]})
for n in "${names[@]}"; do
  r=$(median ${RPS[$n]}); c=$(median ${CPU[$n]})
  table="$table
| $n | $r | $c | $(awk -v a="$c" -v b="$plain_cpu" 'BEGIN {printf "%+.1f %%", (a / b - 1) * 100}') |"
done
echo "$table"
echo "$table" > "$out/table.md"

if [ "${WRITE_MD:-0}" = 1 ]; then
python3 - "$table" "$ROUNDS" "$SECS" "$THREADS" "$CONNS" "$(nproc)" "$(java -version 2>&1 | head -1)" "$(date -u +%Y-%m-%d)" <<'PY'
import re, sys
table, rounds, secs, threads, conns, cores, java, day = sys.argv[1:]
marker = "<!-- request-path-bench figures -->"
figures = f"""{marker}
Medians of {rounds} rounds, each loading every server in turn with `wrk -t{threads} -c{conns} -d{secs}s` on `GET /`
({cores} cores shared by wrk and the server, {java}, {day}):

{table}
{marker}"""
text = open("BENCHMARKS.md").read()
pattern = re.compile(re.escape(marker) + ".*?" + re.escape(marker), re.S)
if pattern.search(text):
    text = pattern.sub(lambda m: figures, text)
else:
    text = text.rstrip() + "\n\n## Request path: nserv vs plain Jetty\n\n" + figures + "\n"
open("BENCHMARKS.md", "w").write(text)
PY
fi
