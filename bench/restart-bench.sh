#!/usr/bin/env bash
# Zero-downtime restart under load: nserv's `ctl restart` against a plain Jetty stop-then-start and a SO_REUSEPORT
# rebind, each restarted N times under wrk (keep-alive, bench/restart-wrk.lua) and a new-connection-per-request
# client (bench/RestartClient.java). Writes raw data to bench/out/restart/, the plot bench/restart-latency.svg and
# the section "## Zero-downtime restart" of BENCHMARKS.md.
#
#   bench/restart-bench.sh [N]            (default 5 restarts per scenario, about 4-5 minutes)
#   bench/restart-bench.sh N --gap 5 ...  (further options, e.g. --nserv-trigger sighup: python3 bench/restart_bench.py --help)
#   bench/restart-bench.sh --report-only  (redo table, plot and section from bench/out/restart/)
#
# Needs nserv-jetty/target/nserv.jar and nserv-demo-war/target/nserv-demo.war
# (mvn -B -q -pl nserv-jetty -am package -DskipTests), wrk, python3 (standard library only) and a JDK 17+.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=nserv-jetty/target/nserv.jar
war=nserv-demo-war/target/nserv-demo.war
out=bench/out/restart
command="bench/restart-bench.sh${*:+ $*}"
if [ "${1:-}" = --report-only ]; then
  exec python3 bench/restart_report.py --out "$out" --command "$(cat "$out/command.txt" 2>/dev/null || echo "$command")"
fi
[ -f "$jar" ] && [ -f "$war" ] || { echo "build first: mvn -B -q -pl nserv-jetty -am package -DskipTests" >&2; exit 2; }
command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || sudo apt-get install -y wrk >/dev/null; }
restarts=5
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then restarts=$1; shift; fi
mkdir -p "$out/classes"
javac -nowarn -d "$out/classes" bench/RestartClient.java
javac -nowarn -cp "$jar" -d "$out/classes" bench/PlainJettyWar.java bench/ReusePortJetty.java
echo "$command" >"$out/command.txt"
python3 bench/restart_bench.py --restarts "$restarts" --jar "$jar" --war "$war" --out "$out" "$@"
python3 bench/restart_report.py --out "$out" --command "$command"
