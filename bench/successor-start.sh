#!/usr/bin/env bash
# Successor start: trigger to ready of an nserv restart with a class-data archive (default), without one
# (--cds-dir off) and from a standby (--standby 1s), against the launch to first 200 of plain Jetty serving the same WAR, alternating in one session.
# Writes the section "## Successor start" of BENCHMARKS.md.
#
#   bench/successor-start.sh [ROUNDS]    (default 5; needs nserv-jetty/target/nserv.jar: mvn -B package -DskipTests)
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 bench/successor-start.sh 7   (all JVMs from that JDK; on Java 25 the
#   archive is the AOT cache; writes the section "## Successor start (Java N)" when N is not 17)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
feature=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
title="Successor start"; [ "$feature" = 17 ] || title="Successor start (Java $feature)"
jar=nserv-jetty/target/nserv.jar
war=nserv-demo-war/target/nserv-demo.war
[ -f "$jar" ] && [ -f "$war" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 2; }
out=bench/out/successor; rm -rf "$out"; mkdir -p "$out/classes" "$out/webapps" "$out/cds"
cp "$war" "$out/webapps/root.war"
mvn -B -q -o -pl nserv-jetty dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$PWD/$out/classpath.txt" >/dev/null
cp_plain=$(cat "$out/classpath.txt")
javac -nowarn -cp "$cp_plain" -d "$out/classes" bench/PlainJettyWar.java

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
now_ms() { date +%s%3N; }
await_200() { for _ in $(seq 1 1500); do [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/")" = 200 ] && return 0; sleep 0.02; done; return 1; }

plain_start() {
  local port start ready pid
  port=$(free_port); start=$(now_ms)
  "$java" -cp "$cp_plain:$out/classes" PlainJettyWar "$port" "$war" >"$out/plain.log" 2>&1 & pid=$!
  await_200 "$port"; ready=$(now_ms)
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  echo $((ready - start))
}

# one long-running nserv per variant; each restart: "server_ms wall_ms" (server: its own trigger-to-ready figure)
start_nserv() { # NAME CDSDIR [FLAGS...]
  local port=$(free_port) name=$1 cds=$2; shift 2
  "$java" -jar "$jar" --host 127.0.0.1 --port "$port" --webapps "$out/webapps" --scan-interval 0 \
    --control-socket "$PWD/$out/$name.sock" --cds-dir "$cds" "$@" >>"$out/$name.log" 2>&1 &
  echo "$!" > "$out/$name.pid"
  await_200 "$port"; echo "$port" > "$out/$name.port"
}
restart() { # NAME
  local start end line
  start=$(now_ms)
  line=$("$java" -jar "$jar" ctl --socket "$PWD/$out/$1.sock" restart)
  end=$(now_ms)
  await_200 "$(cat "$out/$1.port")"
  # wait until the previous generation is gone (its restart is refused until then), bounded by ctl's own refusal
  for _ in $(seq 1 300); do "$java" -jar "$jar" ctl --socket "$PWD/$out/$1.sock" status 2>/dev/null | grep -q 'draining' || break; sleep 0.1; done
  echo "$(sed -n 's/.* ready after \([0-9]*\) ms.*/\1/p' <<<"$line") $((end - start))"
}
plain_first=$(plain_start)   # warm the page cache
# the standby variant: each restart waits until the standby of the serving generation is prepared (it starts 1 s
# after that generation serves), as a restart would that comes later than that
standby_used=0
await_standby() { for _ in $(seq 1 1200); do [ "$(grep -c 'prepared: ' "$out/standby.log")" -gt "$standby_used" ] && return 0; sleep 0.05; done; return 1; }
restart_standby() { await_standby; restart standby; standby_used=$((standby_used + 1)); }
start_nserv cds "$PWD/$out/cds"; start_nserv nocds off; mkdir -p "$out/cds-standby"; start_nserv standby "$PWD/$out/cds-standby" --standby 1s
# at least three restarts write, check and promote the archive (generation 2 writes it when it exits); on Java 25
# under load the AOT cache's assembly at exit can outlast them, so up to eight, until one is promoted
for i in 1 2 3 4 5 6 7 8; do
  restart cds >/dev/null; restart_standby >/dev/null; sleep 3
  [ "$i" -ge 3 ] && { compgen -G "$out/cds/*.jsa" || compgen -G "$out/cds/*.aot"; } >/dev/null && break
done
stop_all() { for name in cds nocds standby; do "$java" -jar "$jar" ctl --socket "$PWD/$out/$name.sock" stop >/dev/null 2>&1 || true; done; }
{ compgen -G "$out/cds/*.jsa" || compgen -G "$out/cds/*.aot"; } >/dev/null || { echo "no archive was created" >&2; stop_all; exit 1; }

declare -a pj cs cw ns nw ss sw
for i in $(seq 1 "$rounds"); do
  # the standby variant's new standby prepares (about 1 s of CPU) after its restart: not during the others' starts
  await_standby
  pj+=("$(plain_start)")
  read -r s w < <(restart cds); cs+=("$s"); cw+=("$w")
  read -r s w < <(restart nocds); ns+=("$s"); nw+=("$w")
  read -r s w < <(restart standby); standby_used=$((standby_used + 1)); ss+=("$s"); sw+=("$w")
  echo "round $i: plain launch to 200 ${pj[-1]} ms; nserv restart with archive ${cs[-1]} ms (ctl ${cw[-1]}); without ${ns[-1]} ms (ctl ${nw[-1]}); from the standby ${ss[-1]} ms (ctl ${sw[-1]})"
done
stop_all
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
mp=$(median "${pj[@]}"); mcs=$(median "${cs[@]}"); mcw=$(median "${cw[@]}"); mns=$(median "${ns[@]}"); mnw=$(median "${nw[@]}"); mss=$(median "${ss[@]}"); msw=$(median "${sw[@]}")
from_standby=$(grep -c 'is the standby (pid' "$out/standby.log" || true)
used=$(grep -c 'starts from class-data archive' "$out/cds.log" || true)
section=$(cat <<MD
## $title

Trigger to ready of \`ctl restart\` (the server's own figure, "ready after N ms": from the restart request to the
successor's READY; and the wall time of the \`ctl\` command, which adds the ctl JVM) against the launch to first 200
of plain Jetty 12.1.8 serving the same WAR (\`bench/PlainJettyWar.java\`), medians of $rounds alternating rounds:
plain start, nserv restart with a class-data archive (default; the archive was written and promoted by three warm-up
restarts, $used successor launches used it), nserv restart with \`--cds-dir off\`, and nserv restart with an archive
and \`--standby 1s\` (each restart once the standby was prepared; $from_standby restarts started from a standby). The
nservs serve the demo WAR from \`--webapps\` with \`--scan-interval 0\`. Target: trigger to ready at most 0.6 x plain Jetty's launch to first 200.

| | median (ms) | / plain launch to first 200 |
|---|---|---|
| plain Jetty, launch to first 200 | $mp | 1.00 |
| nserv restart with archive, trigger to ready (server) | $mcs | $(ratio "$mcs" "$mp") |
| nserv restart with archive, ctl wall time | $mcw | $(ratio "$mcw" "$mp") |
| nserv restart without archive, trigger to ready (server) | $mns | $(ratio "$mns" "$mp") |
| nserv restart without archive, ctl wall time | $mnw | $(ratio "$mnw" "$mp") |
| nserv restart from the standby (\`--standby\`), trigger to ready (server) | $mss | $(ratio "$mss" "$mp") |
| nserv restart from the standby, ctl wall time | $msw | $(ratio "$msw" "$mp") |

Rounds (plain / with archive / without / from the standby, server figures): $(for i in $(seq 0 $((rounds - 1))); do printf '%s/%s/%s/%s; ' "${pj[$i]}" "${cs[$i]}" "${ns[$i]}" "${ss[$i]}"; done)
Machine: $(nproc) cores, $("$java" -version 2>&1 | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end, $(date -u '+%Y-%m-%d %H:%M UTC').
Command: \`${JAVA_HOME:+JAVA_HOME=$JAVA_HOME }bench/successor-start.sh $rounds\`
MD
)
python3 - "$section" "$title" <<'PY'
import re, sys
section = sys.argv[1].strip() + "\n"
text = open("BENCHMARKS.md").read()
pattern = re.compile(r"^## " + re.escape(sys.argv[2]) + r"\n.*?(?=^## |\Z)", re.S | re.M)
text = pattern.sub(section + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
open("BENCHMARKS.md", "w").write(text)
PY
echo "$section"
