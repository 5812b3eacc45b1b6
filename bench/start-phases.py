#!/usr/bin/env python3
"""Where a successor's start spends its time: runs java -jar nserv.jar (the demo WAR from --webapps, a class-data
archive in a fresh state dir), restarts it RESTARTS times with ctl, and prints for each generation the phases of its
'start phases:' log line (StartPhases) and, from Jetty's own DEBUG lines (Configurations, AnnotationConfiguration),
the webapp's WAR extraction (WebInfConfiguration.preConfigure), web.xml parsing, annotation scanning (configure)
and the rest of the context start (server TLDs, metadata, filters and servlets initialised). Medians over the successors that started from the archive are printed last.

  python3 bench/start-phases.py [RESTARTS] [extra nserv flags...]     (default 6; JAVA env var: the java to use)
"""
import os, re, socket, statistics, subprocess, sys, time, datetime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "nserv-jetty", "target", "nserv.jar")
WAR = os.path.join(ROOT, "nserv-demo-war", "target", "nserv-demo.war")
JAVA = os.environ.get("JAVA", "java")
OUT = os.path.join(ROOT, "bench", "out", "phases")
TS = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}):(\w+) *:([^:]*):([^:]*): (.*)$")


def ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%d %H:%M:%S.%f").timestamp() * 1000


def main():
    restarts = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    extra = sys.argv[2:]
    subprocess.run(["rm", "-rf", OUT]); os.makedirs(os.path.join(OUT, "webapps")); os.makedirs(os.path.join(OUT, "state"))
    subprocess.run(["cp", WAR, os.path.join(OUT, "webapps", "root.war")], check=True)
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    sock, log = os.path.join(OUT, "ctl.sock"), os.path.join(OUT, "nserv.log")
    cmd = [JAVA, "-Dorg.eclipse.jetty.ee10.webapp.Configurations.LEVEL=DEBUG", "-Dorg.eclipse.jetty.ee10.annotations.AnnotationConfiguration.LEVEL=DEBUG",
           "-jar", JAR, "--host", "127.0.0.1", "--port", str(port), "--webapps", os.path.join(OUT, "webapps"), "--scan-interval", "0",
           "--control-socket", sock, "--state-dir", os.path.join(OUT, "state")] + extra
    server = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    for _ in range(600):
        if "nserv: ready" in open(log).read():
            break
        time.sleep(0.1)
    ready_after = []
    for _ in range(restarts):
        r = subprocess.run([JAVA, "-jar", JAR, "ctl", "--socket", sock, "restart"], capture_output=True, text=True, timeout=120)
        m = re.search(r"ready after (\d+) ms", r.stdout)
        ready_after.append(int(m.group(1)) if m else None)
        for _ in range(100):   # the previous generation drains and exits (it writes the archive then)
            st = subprocess.run([JAVA, "-jar", JAR, "ctl", "--socket", sock, "status"], capture_output=True, text=True)
            if "draining" not in st.stdout:
                break
            time.sleep(0.2)
        time.sleep(1)
    subprocess.run([JAVA, "-jar", JAR, "ctl", "--socket", sock, "stop"], capture_output=True, timeout=60)
    try:
        server.wait(60)
    except subprocess.TimeoutExpired:
        server.kill()
    gens = parse(open(log).read().splitlines())
    rows = []
    for g, info in enumerate(gens, start=1):
        info["trigger to ready"] = ready_after[g - 2] if g >= 2 and g - 2 < len(ready_after) else None
        rows.append(info)
        print("generation %d%s: %s" % (g, " (archive)" if info.get("archive") else "", ", ".join("%s %s" % (k, v) for k, v in info.items() if k != "archive")))
    used = [r for r in rows[1:] if r.get("archive")]
    if used:
        keys = [k for k in used[0] if k != "archive"]
        print("median over %d successors that started from the archive:" % len(used))
        for k in keys:
            vals = [r[k] for r in used if isinstance(r.get(k), (int, float))]
            if vals:
                print("  %-32s %6.0f ms" % (k, statistics.median(vals)))
    print("load average: " + open("/proc/loadavg").read().strip())


def parse(lines):
    """One dict per generation, in log order, keyed by phase name."""
    gens, cur, pre, last_cfg, cfg_start = [], {}, {}, None, None
    archive_next = False
    for line in lines:
        m = TS.match(line)
        if not m:
            continue
        t, level, logger, thread, msg = ts(m.group(1)), m.group(2), m.group(3), m.group(4), m.group(5)
        if "starts from class-data archive" in msg:
            archive_next = True
        if logger.endswith("Configurations") and (msg.startswith("preConfigure with ") or msg.startswith("configure ") or msg.startswith("postConfigure ")):
            name = msg.split()[-1].split("@")[0].split(".")[-1]
            step = msg.split()[0]
            if last_cfg:
                pre[last_cfg] = pre.get(last_cfg, 0) + (t - cfg_start)
            last_cfg, cfg_start = step + " " + name, t
            if step == "postConfigure":
                last_cfg = None
            if step == "preConfigure" and name == "JmxConfiguration":
                pre["context begin"] = t
            if step == "postConfigure" and name == "JmxConfiguration":
                pre["context end"] = t
        if "start phases:" in msg:
            info = {"archive": archive_next}
            archive_next = False
            for part in msg.split("start phases: ")[1].split(";")[0].split(", "):
                mm = re.match(r"(.*?) (\d+) ms(?: \(context / (\d+) ms\))?", part)
                if mm:
                    info[mm.group(1)] = int(mm.group(2))
            info["of which: WAR extraction"] = round(pre.get("preConfigure WebInfConfiguration", 0))
            info["of which: web.xml parsing"] = round(pre.get("preConfigure WebXmlConfiguration", 0))
            info["of which: annotation scan"] = round(pre.get("configure AnnotationConfiguration", 0))
            info["of which: TLDs, metadata, servlet init"] = round(pre.get("configure ServerTldConfiguration", 0))
            if "context begin" in pre and "context end" in pre:
                info["context start in all"] = round(pre["context end"] - pre["context begin"])
            info["at JVM uptime"] = int(re.search(r"at (\d+) ms of JVM uptime", msg).group(1))
            gens.append(info)
            pre, last_cfg = {}, None
    return gens


if __name__ == "__main__":
    main()
