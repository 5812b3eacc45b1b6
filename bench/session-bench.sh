#!/usr/bin/env bash
# The cost of a request that touches an HTTP session: nserv's file session store vs Jetty's in-memory sessions.
# See bench/SessionBench.java. Usage: bench/session-bench.sh [rounds=10] [seconds=3] [clients=4] [stateDir]
# Needs the modules installed in ~/.m2 (mvn -B -q install -DskipTests); runs Maven offline.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/out/session"
mkdir -p "$OUT"
cd "$ROOT"
mvn -B -q -o -pl nserv-jetty dependency:build-classpath -Dmdep.outputFile="$OUT/classpath.txt" >/dev/null
CP="$ROOT/nserv-jetty/target/classes:$(cat "$OUT/classpath.txt")"
STATE=${4:-$(mktemp -d "${TMPDIR:-/tmp}/nserv-session-bench-XXXXXX")}
trap 'rm -rf "$STATE"' EXIT
java -Xms256m -Xmx256m -cp "$CP" bench/SessionBench.java "${1:-10}" "${2:-3}" "${3:-4}" "$STATE" 2>&1 | grep -v '^20' | tee "$OUT/result.txt"
