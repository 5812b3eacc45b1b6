#!/usr/bin/env python3
"""Restart under load: nserv's zero-downtime restart against a plain Jetty stop-then-start and a SO_REUSEPORT rebind.

Run through bench/restart-bench.sh (which builds nothing, compiles the bench classes and then calls this file).
For each scenario, on a fresh port: start the server, start two clients (wrk with keep-alive connections and
bench/restart-wrk.lua logging every request; bench/RestartClient.java opening a new connection per request),
let them warm up, restart the server N times a few seconds apart, stop the clients, stop the server. Raw logs and
the timings of every restart go to OUT/<scenario>/; bench/restart_report.py turns them into the table, the plot
and the BENCHMARKS.md section.

Scenarios (same machine, same WAR copy, same load):
  nserv      java -jar nserv.jar --control-socket S ...; restart = `java -jar nserv.jar ctl --socket S restart`
             (trigger: ctl launched; ready: ctl returned; old exit: the old pid is gone)
  stopstart  bench/PlainJettyWar (plain ServerConnector); restart = SIGTERM, wait for exit, start a new process on
             the same port (trigger: SIGTERM; ready: the new process logged "Started oejs.Server")
  reuseport  bench/ReusePortJetty (ServerConnector.setReusePort(true)); restart = start a new process that binds
             the same port, wait until it is started, then SIGTERM the old one (trigger: new process launched)
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def alive(pid):
    """True while pid exists and is not a zombie (an exited child nobody reaped yet counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def wait_exit(pid, timeout, cancel=None):
    deadline = time.time() + timeout
    while alive(pid):
        if time.time() > deadline or (cancel is not None and cancel.is_set()):
            return None
        time.sleep(0.002)
    return time.time()


class Watched:
    """A process whose merged stdout/stderr is timestamped line by line into a log file and matched on demand."""

    def __init__(self, name, cmd, log_path, cwd=ROOT):
        self.name = name
        self.lines = []  # (epoch seconds, line)
        self.cond = threading.Condition()
        self.log = open(log_path, "a")
        self.proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.pid = self.proc.pid
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            now = time.time()
            self.log.write("%.3f %s" % (now, line))
            with self.cond:
                self.lines.append((now, line.rstrip("\n")))
                self.cond.notify_all()
        self.log.flush()

    def wait_line(self, pattern, timeout, start=0):
        """Waits for a line matching pattern among lines[start:]; returns (time, match, index) or None."""
        regex = re.compile(pattern)
        deadline = time.time() + timeout
        with self.cond:
            i = start
            while True:
                while i < len(self.lines):
                    m = regex.search(self.lines[i][1])
                    if m:
                        return self.lines[i][0], m, i
                    i += 1
                left = deadline - time.time()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def count(self):
        with self.cond:
            return len(self.lines)


class Clients:
    """wrk (keep-alive) and RestartClient (a new connection per request) against one port."""

    def __init__(self, args, port, outdir):
        self.outdir = outdir
        url = "http://127.0.0.1:%d/" % port
        self.wrk = subprocess.Popen(
            ["wrk", "-t", str(args.wrk_connections), "-c", str(args.wrk_connections), "-d", "900s",
             "--timeout", "5s", "-s", os.path.join(ROOT, "bench", "restart-wrk.lua"), url, "--",
             os.path.join(outdir, "wrk-"), str(args.wrk_delay_ms)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.newconn = subprocess.Popen(
            ["java", "-cp", args.classes, "RestartClient", "127.0.0.1", str(port), str(args.newconn_threads),
             str(args.newconn_pause_ms), "900", os.path.join(outdir, "newconn.log")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.started = time.time()

    def stop(self):
        self.stopped = time.time()
        self.wrk.send_signal(signal.SIGINT)  # wrk stops, prints its summary and flushes the per-thread logs
        # RestartClient stops at EOF on its standard input (communicate closes it)
        newconn_out = self.newconn.communicate(input="", timeout=60)[0]
        wrk_out = self.wrk.communicate(timeout=60)[0]
        with open(os.path.join(self.outdir, "wrk-summary.txt"), "w") as f:
            f.write(wrk_out)
        with open(os.path.join(self.outdir, "newconn-summary.txt"), "w") as f:
            f.write(newconn_out)
        return wrk_out, newconn_out


def run_nserv(args, port, outdir, events, log):
    sock = os.path.join(outdir, "ctl.sock")
    webapps = os.path.join(outdir, "webapps")
    os.makedirs(webapps, exist_ok=True)
    shutil.copyfile(args.war, os.path.join(webapps, "root.war"))
    cmd = ["java", "-jar", args.jar, "--host", "127.0.0.1", "--port", str(port), "--webapps", webapps,
           "--scan-interval", "0", "--control-socket", sock, "--log-file", os.path.join(outdir, "nserv-file.log")]
    server = Watched("nserv", cmd, log)
    ready = server.wait_line(r"nserv: ready \(generation (\d+), pid (\d+)\)", 90)
    if not ready:
        server.proc.kill()
        raise RuntimeError("nserv did not become ready; see " + log)
    current = {"pid": int(ready[1].group(2)), "line": ready[2] + 1}

    def restart(i):
        old_pid = current["pid"]
        exit_time = {}
        cancel = threading.Event()
        watcher = threading.Thread(target=lambda: exit_time.update(t=wait_exit(old_pid, 120, cancel)), daemon=True)
        trigger = time.time()
        watcher.start()
        if args.nserv_trigger == "sighup":
            # SIGHUP: the restart runs in the background; ready is the successor's "nserv: ready" line
            os.kill(old_pid, signal.SIGHUP)
            line = server.wait_line(r"nserv: ready \(generation (\d+), pid (\d+)\)", 120, current["line"])
            returned = time.time()
            rc = 0 if line else 1
            new_pid = int(line[1].group(2)) if line else None
            answer = line[1].group(0) if line else "no successor became ready within 120 s (see server.log)"
            logged = server.wait_line(r"\(pid %s\) ready after (\d+) ms" % new_pid, 5) if line else None
            server_ms = int(logged[1].group(1)) if logged else None
        else:
            ctl = subprocess.run(["java", "-jar", args.jar, "ctl", "--socket", sock, "restart"],
                                 capture_output=True, text=True, timeout=310)
            returned = time.time()
            rc = ctl.returncode
            answer = (ctl.stdout + ctl.stderr).strip()
            m = re.search(r"generation (\d+) \(pid (\d+)\) ready after (\d+) ms", answer)
            new_pid = int(m.group(2)) if m else None
            server_ms = int(m.group(3)) if m else None
            line = None
        ok = rc == 0 and new_pid is not None
        if ok:
            line = line or server.wait_line(r"nserv: ready \(generation (\d+), pid (\d+)\)", 30, current["line"])
        else:
            # rolled back (or refused): the old generation keeps serving, nothing to wait for
            line = None
            cancel.set()
            print("[nserv] restart %d failed: %s" % (i + 1, answer), flush=True)
        watcher.join(130)
        event = {"trigger": trigger, "returned": returned, "ready": returned if ok else None,
                 "old_exit": exit_time.get("t"), "old_pid": old_pid, "trigger_kind": args.nserv_trigger,
                 "ctl_rc": rc, "ctl_answer": answer, "server_ready_ms": server_ms, "new_pid": new_pid,
                 "ready_line": line[0] if line else None}
        if ok:
            current["pid"] = new_pid
            if line:
                current["line"] = line[2] + 1
        return event

    def stop():
        pid = current["pid"]
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        if wait_exit(pid, 45) is None:
            os.kill(pid, signal.SIGKILL)
        # the first generation is our child: reap it (it exited at the first restart, or just now)
        server.proc.wait(10)

    return restart, stop


def plain_process(args, main_class, port, log, tag):
    return Watched(tag, ["java", "-cp", args.jar + os.pathsep + args.classes, main_class, str(port), args.war_copy], log)


def run_stopstart(args, port, outdir, events, log):
    current = {"proc": plain_process(args, "PlainJettyWar", port, log, "plain-1")}
    if not current["proc"].wait_line(r"Started oejs\.Server@", 90):
        raise RuntimeError("PlainJettyWar did not start; see " + log)

    def restart(i):
        old = current["proc"]
        trigger = time.time()
        old.proc.send_signal(signal.SIGTERM)
        old.proc.wait(120)
        old_exit = time.time()
        new = plain_process(args, "PlainJettyWar", port, log, "plain-%d" % (i + 2))
        line = new.wait_line(r"Started oejs\.Server@", 90)
        current["proc"] = new
        return {"trigger": trigger, "old_exit": old_exit, "ready": line[0] if line else None,
                "old_pid": old.pid, "new_pid": new.pid}

    def stop():
        p = current["proc"].proc
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(45)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)

    return restart, stop


def run_reuseport(args, port, outdir, events, log):
    current = {"proc": plain_process(args, "ReusePortJetty", port, log, "reuseport-1")}
    if not current["proc"].wait_line(r"reuseport: ready", 90):
        raise RuntimeError("ReusePortJetty did not start; see " + log)

    def restart(i):
        old = current["proc"]
        trigger = time.time()
        new = plain_process(args, "ReusePortJetty", port, log, "reuseport-%d" % (i + 2))
        line = new.wait_line(r"reuseport: ready", 90)
        ready = line[0] if line else None
        if ready is None:
            # the new process failed to start: keep the old one serving, as a real roll out would
            new.proc.kill()
            new.proc.wait(10)
            return {"trigger": trigger, "ready": None, "old_exit": None, "old_pid": old.pid, "new_pid": new.pid}
        old.proc.send_signal(signal.SIGTERM)
        old.proc.wait(120)
        old_exit = time.time()
        current["proc"] = new
        return {"trigger": trigger, "ready": ready, "old_exit": old_exit, "old_pid": old.pid, "new_pid": new.pid}

    def stop():
        p = current["proc"].proc
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(45)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)

    return restart, stop


SCENARIOS = {"nserv": run_nserv, "stopstart": run_stopstart, "reuseport": run_reuseport}


def run_scenario(args, name):
    outdir = os.path.join(args.out, name)
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    port = free_port()
    log = os.path.join(outdir, "server.log")
    events = []
    loadavg = os.getloadavg()  # the machine is shared: record how busy it was
    t0 = time.time()
    restart, stop = SCENARIOS[name](args, port, outdir, events, log)
    print("[%s] server up on port %d after %.1f s" % (name, port, time.time() - t0), flush=True)
    clients = Clients(args, port, outdir)
    try:
        time.sleep(args.warmup + args.gap)
        for i in range(args.restarts):
            event = restart(i)
            events.append(event)
            end = max(t for t in (event["ready"], event["old_exit"], event["trigger"]) if t is not None)
            print("[%s] restart %d: ready %s s, old exit %s s after trigger" % (
                name, i + 1,
                "%.2f" % (event["ready"] - event["trigger"]) if event["ready"] else "-",
                "%.2f" % (event["old_exit"] - event["trigger"]) if event["old_exit"] else "-"), flush=True)
            # next restart (or the end) a gap after this one settled
            time.sleep(max(0.0, end + 1.0 + args.gap - time.time()))
    finally:
        try:
            wrk_out, newconn_out = clients.stop()
        finally:
            stop()
    meta = {"scenario": name, "port": port, "loadavg": loadavg, "clients_started": clients.started, "clients_stopped": clients.stopped,
            "warmup": args.warmup, "events": events, "wrk_summary": wrk_out, "newconn_summary": newconn_out,
            "wrk_connections": args.wrk_connections, "wrk_delay_ms": args.wrk_delay_ms,
            "newconn_threads": args.newconn_threads, "newconn_pause_ms": args.newconn_pause_ms}
    with open(os.path.join(outdir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print("[%s] done in %.0f s; wrk: %s; new-connection client: %s" % (
        name, time.time() - t0, " ".join(l.strip() for l in wrk_out.splitlines() if "requests in" in l or "errors" in l or "Non-2xx" in l),
        newconn_out.strip()), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--restarts", type=int, default=5, help="restarts per scenario (default 5)")
    p.add_argument("--gap", type=float, default=3, help="seconds of steady state before, between (after the old process exited + 1 s) and after restarts (default 3)")
    p.add_argument("--warmup", type=float, default=3, help="seconds of load before the steady state is counted (default 3)")
    p.add_argument("--wrk-connections", type=int, default=8, help="wrk keep-alive connections, one wrk thread each (default 8)")
    p.add_argument("--wrk-delay-ms", type=int, default=1, help="pause after each wrk response, per connection (default 1)")
    p.add_argument("--newconn-threads", type=int, default=4, help="RestartClient threads (default 4)")
    p.add_argument("--newconn-pause-ms", type=int, default=2, help="pause between RestartClient requests, per thread (default 2)")
    p.add_argument("--scenarios", default="nserv,stopstart,reuseport")
    p.add_argument("--nserv-trigger", choices=("ctl", "sighup"), default="ctl",
                   help="restart nserv with `ctl --socket S restart` (default; ready = ctl returned) or SIGHUP (ready = the successor's 'nserv: ready' line)")
    p.add_argument("--jar", default=os.path.join(ROOT, "nserv-jetty", "target", "nserv.jar"))
    p.add_argument("--war", default=os.path.join(ROOT, "nserv-demo-war", "target", "nserv-demo.war"))
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "out", "restart"))
    p.add_argument("--classes", default=None, help="compiled bench classes (default OUT/classes)")
    args = p.parse_args()
    args.classes = args.classes or os.path.join(args.out, "classes")
    os.makedirs(args.out, exist_ok=True)
    # one copy of the WAR for every scenario, so a concurrent rebuild of the demo cannot make them differ
    args.war_copy = os.path.join(args.out, "nserv-demo.war")
    shutil.copyfile(args.war, args.war_copy)
    args.war = args.war_copy
    run = {"started": time.time(), "argv": sys.argv[1:], "scenarios": args.scenarios.split(","),
           "jar_built": os.path.getmtime(args.jar)}
    try:
        # the checkout the jar was built in (this one, or e.g. a separate worktree of a committed state)
        source = subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(args.jar)), "rev-parse", "--show-toplevel"],
                                capture_output=True, text=True).stdout.strip() or ROOT
        run["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=source, capture_output=True,
                                       text=True).stdout.strip()
        # others work in the same tree: note whether the jar's sources had uncommitted changes
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "nserv-jetty/src/main",
                                 "nserv-demo-war/src/main", "nserv-servlet-filter/src/main"],
                                cwd=source, capture_output=True, text=True).stdout
        run["uncommitted"] = [line[3:] for line in status.splitlines()]
    except OSError:
        pass
    for name in run["scenarios"]:
        run_scenario(args, name)
    run["finished"] = time.time()
    with open(os.path.join(args.out, "run.json"), "w") as f:
        json.dump(run, f, indent=1)
    print("run took %.0f s" % (run["finished"] - run["started"]))


if __name__ == "__main__":
    main()
