#!/usr/bin/env python3
"""Successor warm-up: a successor's first 2 s of serving against the steady state, with and without warm-up.

For each variant (the extra nserv flags after '--'): start java -jar nserv.jar (bundled demo WAR) on a free port,
run bench/RestartClient.java (THREADS threads, a new connection per request, PAUSE_MS between requests), let it
settle, restart RESTARTS times (ctl restart, GAP s apart), stop. RestartClient logs which pid served each request;
the steady p99 is generation 1's last STEADY s before the first restart, and each successor's window is the
2 s from the first request it served (also split into quarter seconds, to show where the slow requests are).

  python3 bench/warmup_bench.py OUT_DIR "label:--warmup-requests 0" "label:" ...
  NSERV_TRIGGER=hup python3 bench/warmup_bench.py ...     (restart by SIGHUP instead of a ctl JVM)
"""
import os, subprocess, sys, time, socket, signal, re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.environ.get("NSERV_JAR") or os.path.join(ROOT, "nserv-jetty", "target", "nserv.jar")
THREADS, PAUSE_MS, RESTARTS, GAP, SETTLE, STEADY, WINDOW = 3, 10, 3, 8, 12, 5, 2.0
# the restart trigger: "ctl" (java -jar nserv.jar ctl restart, the default) or "hup" (SIGHUP to the pid file's pid)
TRIGGER = os.environ.get("NSERV_TRIGGER", "ctl")


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


def run(out, label, flags):
    d = os.path.join(out, label); os.makedirs(d, exist_ok=True)
    port, sock = free_port(), os.path.join(d, "ctl.sock")
    log = open(os.path.join(d, "nserv.log"), "w")
    pid_file = os.path.join(d, "nserv.pid")
    server = subprocess.Popen(["java", "-jar", JAR, "--host", "127.0.0.1", "--port", str(port), "--control-socket", sock,
                               "--pid-file", pid_file] + flags,
                              stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(600):
        if "nserv: ready" in open(os.path.join(d, "nserv.log")).read():
            break
        time.sleep(0.1)
    client = subprocess.Popen(["java", os.path.join(ROOT, "bench", "RestartClient.java"), "127.0.0.1", str(port), str(THREADS),
                               str(PAUSE_MS), "300", os.path.join(d, "newconn.log")], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(SETTLE)
    first_restart = time.time()
    answers = []
    for _ in range(RESTARTS):
        if TRIGGER == "hup":
            # no ctl JVM starting on the same cores just before the successor serves
            old = open(pid_file).read().strip()
            os.kill(int(old), signal.SIGHUP)
            for _ in range(1200):
                if os.path.exists(pid_file) and open(pid_file).read().strip() not in ("", old):
                    break
                time.sleep(0.05)
            answers.append("SIGHUP to %s: generation pid now %s" % (old, open(pid_file).read().strip()))
        else:
            r = subprocess.run(["java", "-jar", JAR, "ctl", "--socket", sock, "restart"], capture_output=True, text=True, timeout=120)
            answers.append((r.stdout + r.stderr).strip())
        time.sleep(GAP)
    summary = client.communicate(input="", timeout=60)[0]
    subprocess.run(["java", "-jar", JAR, "ctl", "--socket", sock, "stop"], capture_output=True, timeout=60)
    try:
        server.wait(60)
    except subprocess.TimeoutExpired:
        server.kill()
    rows = [l.split() for l in open(os.path.join(d, "newconn.log"))]
    rows = [(int(a) / 1e6, int(b) / 1e3, k, p) for a, b, k, p in rows]
    failed = sum(1 for r in rows if r[2] != "200")
    pids = []
    for t, lat, k, p in sorted(rows):
        if p != "-" and p not in pids:
            pids.append(p)
    steady = [lat for t, lat, k, p in rows if p == pids[0] and first_restart - STEADY <= t < first_restart]
    line = "%-10s steady p99 %6.1f ms (n=%d) | failed %d of %d" % (label, pct(steady, 0.99), len(steady), failed, len(rows))
    print(line)
    result = {"steady_p99": pct(steady, 0.99), "windows": []}
    for p in pids[1:]:
        mine = sorted((t, lat) for t, lat, k, q in rows if q == p)
        start = mine[0][0]
        w = [lat for t, lat in mine if t < start + WINDOW]
        ratio = pct(w, 0.99) / result["steady_p99"]
        print("  successor pid %s: first 2 s n=%d p50 %.1f p99 %.1f max %.1f ms (p99 %.1fx steady)" % (p, len(w), pct(w, 0.5), pct(w, 0.99), max(w), ratio))
        result["windows"].append((pct(w, 0.99), max(w)))
        # where in the window the slow ones are: median / max per quarter second
        quarters = []
        for q in range(int(WINDOW * 4)):
            part = [lat for t, lat in mine if start + q * 0.25 <= t < start + (q + 1) * 0.25]
            quarters.append("%.1f/%.0f" % (pct(part, 0.5), max(part)) if part else "-")
        print("    per 250 ms, median/max ms: " + " ".join(quarters))
    for a in answers:
        print("  ctl: " + a.splitlines()[-1] if a else "  ctl: (nothing)")
    warm = re.findall(r"warm-up: .*", open(os.path.join(d, "nserv.log")).read())
    for w in warm:
        print("  " + w)
    return result


if __name__ == "__main__":
    out = sys.argv[1]
    for spec in sys.argv[2:]:
        label, _, flags = spec.partition(":")
        run(out, label, flags.split())
