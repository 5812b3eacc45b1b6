#!/usr/bin/env bash
# Startup (JVM launch to the first 200 on /) of two nserv.jar builds in alternating runs, for the logging change:
# the default text logs of a jar without the change (BASE) against the jar with it (NEW), and NEW with
# --log-format json --access-log. Figures go to BENCHMARKS.md ("Logs: startup").
#
#   bench/log-startup.sh BASE.jar NEW.jar [ROUNDS]     (default 7 rounds)
set -euo pipefail
base=$1 new=$2 rounds=${3:-7}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
now_ms() { date +%s%3N; }
run() { # JAR ARGS...: prints the startup in ms
  local jar=$1 port pid start; shift
  port=$(free_port)
  start=$(now_ms)
  java -jar "$jar" --host 127.0.0.1 --port "$port" --state-dir "$tmp/state" "$@" >"$tmp/out.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 1500); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" = 200 ]; then break; fi
    sleep 0.01
  done
  echo $(( $(now_ms) - start ))
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}
declare -a b n j
for i in $(seq 1 "$rounds"); do
  b+=("$(run "$base")"); n+=("$(run "$new")"); j+=("$(run "$new" --log-format json --access-log "$tmp/access.log")")
  echo "round $i: base text ${b[-1]} ms, new text ${n[-1]} ms, new json+access log ${j[-1]} ms"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "median: base text $(median "${b[@]}") ms, new text $(median "${n[@]}") ms, new json+access log $(median "${j[@]}") ms"
