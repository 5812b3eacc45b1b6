#!/usr/bin/env bash
# Startup time (launch to first 200) and resident memory of the bundled nserv server with the demo WAR against
# plain Jetty serving the same WAR, alternating runs in one session. Writes the section
# "## Bundled server: startup and memory" of BENCHMARKS.md.
#
#   bench/startup-memory.sh [ROUNDS]        (default 5 rounds; needs nserv-jetty/target/nserv.jar: mvn -B package -DskipTests)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
jar=nserv-jetty/target/nserv.jar
war=nserv-demo-war/target/nserv-demo.war
[ -f "$jar" ] && [ -f "$war" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 2; }
command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || sudo apt-get install -y wrk >/dev/null; }
out=bench/out; mkdir -p "$out/classes"
# plain Jetty gets the same jars one by one, as jetty-home's lib/ holds them (its container scan pattern selects jars)
mvn -B -q -o -pl nserv-jetty dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$PWD/$out/classpath.txt" >/dev/null
cp_plain=$(cat "$out/classpath.txt")
javac -nowarn -cp "$cp_plain" -d "$out/classes" bench/PlainJettyWar.java

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
now_ms() { date +%s%3N; }

# run KIND: prints "startup_ms rss_kib"
run() {
  local kind=$1 port pid start ready rss
  port=$(free_port)
  start=$(now_ms)
  if [ "$kind" = nserv ]; then
    java -jar "$jar" --host 127.0.0.1 --port "$port" >"$out/$kind.log" 2>&1 &
  else
    java -cp "$cp_plain:$out/classes" PlainJettyWar "$port" "$war" >"$out/$kind.log" 2>&1 &
  fi
  pid=$!
  for _ in $(seq 1 1500); do   # at most 30 s
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" = 200 ]; then break; fi
    sleep 0.02
  done
  ready=$(now_ms)
  wrk -t2 -c50 -d5s "http://127.0.0.1:$port/" >/dev/null
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  echo "$((ready - start)) $rss"
}

declare -a ns_start ns_rss pj_start pj_rss
for i in $(seq 1 "$rounds"); do
  read -r s r < <(run plain); pj_start+=("$s"); pj_rss+=("$r")
  read -r s r < <(run nserv); ns_start+=("$s"); ns_rss+=("$r")
  echo "round $i: plain ${pj_start[-1]} ms ${pj_rss[-1]} KiB; nserv ${ns_start[-1]} ms ${ns_rss[-1]} KiB"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ps=$(median "${pj_start[@]}"); ns=$(median "${ns_start[@]}")
pr=$(median "${pj_rss[@]}"); nr=$(median "${ns_rss[@]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a/b}'; }

section=$(cat <<MD
## Bundled server: startup and memory

nserv.jar with the demo WAR against plain Jetty 12.1.8 (plain \`ServerConnector\`, \`WebAppContext\`, the same jars
one by one as in jetty-home's lib/, jetty-home's ee10 modules and container scan pattern) serving the same WAR. Startup: launch of the JVM to the first 200 on \`/\`. Memory: VmRSS after 5 s of
\`wrk -t2 -c50\` on \`/\`. Medians of $rounds alternating rounds. Target: both within 10 % of plain Jetty.

| | plain Jetty | nserv | nserv / plain |
|---|---|---|---|
| launch to first 200 (ms) | $ps | $ns | $(ratio "$ns" "$ps") |
| resident memory (MiB) | $((pr / 1024)) | $((nr / 1024)) | $(ratio "$nr" "$pr") |

Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1), $(date -u +%Y-%m-%d).
Command: \`bench/startup-memory.sh $rounds\`
MD
)
touch BENCHMARKS.md
python3 - "$section" <<'PY'
import re, sys
section = sys.argv[1].strip() + "\n"
text = open("BENCHMARKS.md").read()
if not text.strip():
    text = "# Benchmarks\n\nRatios against plain Jetty measured in the same run on the same machine (shared and noisy: compare ratios, not absolute figures).\n\n"
pattern = re.compile(r"^## Bundled server: startup and memory\n.*?(?=^## |\Z)", re.S | re.M)
text = pattern.sub(section + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
open("BENCHMARKS.md", "w").write(text)
PY
echo "$section"
