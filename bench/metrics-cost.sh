#!/bin/sh
# Start-up cost of --admin-port (Micrometer loads only with it) and the time of a scrape.
# Alternating rounds: nserv.jar started with and without --admin-port 0, time from exec to "nserv: ready";
# then 50 scrapes of /metrics with curl on one started server (after one warm-up scrape).
# Usage: bench/metrics-cost.sh [ROUNDS]   (from the repository root, after mvn package)
set -eu
JAR=${JAR:-nserv-jetty/target/nserv.jar}
ROUNDS=${1:-7}
STATE=$(mktemp -d)
trap 'rm -rf "$STATE"' EXIT

start_ms() {
  n=$((n + 1))
  out="$STATE/out.$n"
  : >"$out"
  t0=$(date +%s%N)
  # no class-data archive: each start loads its classes the same way
  java -jar "$JAR" --host 127.0.0.1 --port 0 --state-dir "$STATE/s$n" --cds-dir off --control-socket "$STATE/ctl$n.sock" "$@" >>"$out" 2>&1 &
  pid=$!
  while ! grep -q "nserv: ready" "$out" 2>/dev/null; do
    kill -0 $pid 2>/dev/null || { cat "$out" >&2; exit 1; }
    sleep 0.02
  done
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 )) >"$STATE/ms"
  admin=$(grep -o 'admin on http://127.0.0.1:[0-9]*' "$out" | grep -o '[0-9]*$' || true)
  if [ -n "$admin" ] && [ "${SCRAPES:-0}" = 1 ]; then
    curl -s -o /dev/null "http://127.0.0.1:$admin/metrics"
    curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$admin/metrics?[1-50]" > "$STATE/scrapes"
    curl -s "http://127.0.0.1:$admin/metrics" | wc -c > "$STATE/size"
  fi
  kill -TERM $pid; wait $pid || true
}
n=0

echo "round without_ms with_admin_port_ms"
i=1
while [ $i -le "$ROUNDS" ]; do
  start_ms; a=$(cat "$STATE/ms")
  start_ms --admin-port 0; b=$(cat "$STATE/ms")
  echo "$i $a $b"
  echo "$a" >>"$STATE/without"; echo "$b" >>"$STATE/with"
  i=$((i + 1))
done
echo "median without: $(sort -n "$STATE/without" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') ms, with --admin-port: $(sort -n "$STATE/with" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') ms"
SCRAPES=1 start_ms --admin-port 0
sort -n "$STATE/scrapes" | awk '{a[NR]=$1} END {printf "scrape (50, curl time_total): median %.2f ms, max %.2f ms\n", a[int((NR+1)/2)]*1000, a[NR]*1000}'
echo "exposition size: $(cat "$STATE/size") bytes"
