#!/usr/bin/env bash
# Soak test: N zero-downtime restarts of the real nserv.jar under HTTP load on 127.0.0.1, bounded in time.
# Records failed requests and restarts, and the last generation's fds, threads, RSS and temporary directories
# (/tmp/jetty-* of this port, private jar copies under <control directory>/code/) against the first's.
#
#   bench/soak.sh [N]          # N restarts, default 200 (for a quiet machine: about 200 x 4 s)
#
# Environment: SOAK_PORT (default 18700), SOAK_MAX_SECONDS (default 3600: stops restarting after that),
# SOAK_JAR (default nserv-jetty/target/nserv.jar), SOAK_KEEP=1 keeps the work directory.
set -euo pipefail
N=${1:-200}
PORT=${SOAK_PORT:-18700}
MAX_SECONDS=${SOAK_MAX_SECONDS:-3600}
JAR=$(realpath "${SOAK_JAR:-nserv-jetty/target/nserv.jar}")
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/nserv-soak.XXXXXX)          # 0700: the control socket lives here
CODE="${XDG_RUNTIME_DIR:-/tmp}/nserv-$(id -un)/code" # PrivateJar's copies
[ -d "${XDG_RUNTIME_DIR:-/nonexistent}" ] || CODE="/tmp/nserv-$(id -un)/code"
SOCK="$WORK/ctl.sock"
ctl() { java -jar "$JAR" ctl --socket "$SOCK" "$@"; }

java -jar "$JAR" --host 127.0.0.1 --port "$PORT" --control-socket "$SOCK" --pid-file "$WORK/pid" \
  --log-file "$WORK/server.log" > /dev/null 2>&1 &
FIRST=$!
cleanup() {
  touch "$WORK/stop"
  if [ -f "$WORK/pid" ]; then kill -TERM "$(cat "$WORK/pid")" 2>/dev/null || true; fi
  kill -TERM "$FIRST" 2>/dev/null || true
  [ "${SOAK_KEEP:-0}" = 1 ] || { sleep 1; rm -rf "$WORK"; }
}
trap cleanup EXIT
for _ in $(seq 1 120); do ctl status > /dev/null 2>&1 && break; sleep 0.5; done
ctl status > /dev/null

count() { { compgen -G "$1" || true; } | wc -l; }
PIDS=""
copies() { local n=0 p; for p in $PIDS; do [ -e "$CODE/nserv-$p.jar" ] && n=$((n + 1)); done; echo "$n"; }
measure() { # pid -> "fds threads rss_kib jetty_dirs jar_copies_of_this_run"
  local pid=$1
  echo "$(ls /proc/"$pid"/fd | wc -l) $(ls /proc/"$pid"/task | wc -l) $(awk '/VmRSS/{print $2}' /proc/"$pid"/status)" \
       "$(count "/tmp/jetty-*-$PORT-*") $(copies)"
}

python3 "$HERE/soak_load.py" --port "$PORT" --stop "$WORK/stop" --out "$WORK/load.json" &
LOAD=$!
sleep 5
FIRST_PID=$(cat "$WORK/pid"); PIDS="$FIRST_PID"
read -r F_FDS F_THREADS F_RSS F_JETTY F_CODE <<< "$(measure "$FIRST_PID")"

START=$(date +%s); DONE=0; FAILED_RESTARTS=0; MIN_MS=999999; MAX_MS=0
while [ "$DONE" -lt "$N" ] && [ $(( $(date +%s) - START )) -lt "$MAX_SECONDS" ]; do
  OLD=$(cat "$WORK/pid")
  T0=$(date +%s%N)
  if ctl --timeout 120 restart > "$WORK/last-restart.txt" 2>&1; then
    MS=$(( ($(date +%s%N) - T0) / 1000000 ))
    [ "$MS" -lt "$MIN_MS" ] && MIN_MS=$MS; [ "$MS" -gt "$MAX_MS" ] && MAX_MS=$MS
  else
    FAILED_RESTARTS=$((FAILED_RESTARTS + 1)); echo "restart $((DONE + 1)) failed: $(cat "$WORK/last-restart.txt")" >&2
  fi
  DONE=$((DONE + 1)); PIDS="$PIDS $(cat "$WORK/pid")"
  # the next restart is refused until the previous generation has drained and exited
  for _ in $(seq 1 600); do kill -0 "$OLD" 2>/dev/null || break; sleep 0.1; done
done
ELAPSED=$(( $(date +%s) - START ))
sleep 5
LAST_PID=$(cat "$WORK/pid")
read -r L_FDS L_THREADS L_RSS L_JETTY L_CODE <<< "$(measure "$LAST_PID")"
touch "$WORK/stop"; wait "$LOAD" || true
OK=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ok"])' "$WORK/load.json")
FAILED=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["failed"])' "$WORK/load.json")
ctl stop > /dev/null 2>&1 || true
for _ in $(seq 1 600); do kill -0 "$LAST_PID" 2>/dev/null || break; sleep 0.1; done
AFTER_JETTY=$(count "/tmp/jetty-*-$PORT-*"); AFTER_COPIES=$(copies)

echo "soak: $DONE restarts in ${ELAPSED} s ($FAILED_RESTARTS failed; ctl restart ${MIN_MS}-${MAX_MS} ms), requests ok $OK, failed $FAILED"
printf '%-28s %10s %10s\n' "" "first" "last"
printf '%-28s %10s %10s\n' "generation pid" "$FIRST_PID" "$LAST_PID"
printf '%-28s %10s %10s\n' "open fds" "$F_FDS" "$L_FDS"
printf '%-28s %10s %10s\n' "threads" "$F_THREADS" "$L_THREADS"
printf '%-28s %10s %10s\n' "RSS (MiB)" "$((F_RSS / 1024))" "$((L_RSS / 1024))"
printf '%-28s %10s %10s\n' "/tmp/jetty-*-$PORT-* dirs" "$F_JETTY" "$L_JETTY"
printf '%-28s %10s %10s\n' "jar copies of this run's pids" "$F_CODE" "$L_CODE"
echo "after the final stop: /tmp/jetty-*-$PORT-* dirs $AFTER_JETTY, jar copies of this run's pids in $CODE $AFTER_COPIES"
if [ "$FAILED" != 0 ]; then python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["errors"]))' "$WORK/load.json" >&2; fi
[ "$FAILED" = 0 ] && [ "$FAILED_RESTARTS" = 0 ]
