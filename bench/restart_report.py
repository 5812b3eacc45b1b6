#!/usr/bin/env python3
"""Report of bench/restart_bench.py: figures per scenario and client, bench/restart-latency.svg, and the section
"## Zero-downtime restart" of BENCHMARKS.md (other sections are kept as they are).

Definitions
  restart window  from the trigger to max(successor ready, old process exit) + 1 s; for nserv and the
                  SO_REUSEPORT rebind the successor is ready before the old process exits, so this is trigger to
                  old exit + 1 s. A request belongs to a window when [start, end] overlaps it.
  steady state    requests that overlap no window, started after the warm-up and ended before the clients stopped
  latency         of successful (200) requests only; failed requests are counted by kind
  longest gap     the longest time, overlapping a window, in which a client completed no 200 at all
                  ("both": neither client did), i.e. the downtime as the clients saw it
"""
import argparse
import glob
import json
import os
import platform
import re
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABELS = {"nserv": "nserv ctl restart", "stopstart": "plain Jetty stop-then-start", "reuseport": "SO_REUSEPORT rebind"}
CLIENTS = {"wrk": "wrk keep-alive", "newconn": "new connection per request"}
COLORS = {"wrk": "#1f77b4", "newconn": "#e07b00"}


def pid_of(text):
    return int(text) if text.isdigit() else None


def load_requests(outdir):
    """Returns {"wrk": [...], "newconn": [...]}: lists of (start s, latency ms or None, kind, serving pid)."""
    data = {"wrk": [], "newconn": []}
    for path in sorted(glob.glob(os.path.join(outdir, "wrk-*.log"))):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) < 3 or (parts[2] != "err" and len(parts) != 4):
                    continue  # a line cut short when wrk stopped
                start, lat, status = int(parts[0]) / 1e6, int(parts[1]), parts[2]
                if status == "err":
                    data["wrk"].append((start, None, "socket error", None))
                else:
                    data["wrk"].append((start, lat / 1000.0, "ok" if status == "200" else "non-200", pid_of(parts[3])))
    with open(os.path.join(outdir, "newconn.log")) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 4:
                continue
            start, lat, kind = int(parts[0]) / 1e6, int(parts[1]) / 1000.0, parts[2]
            if kind == "200":
                data["newconn"].append((start, lat, "ok", pid_of(parts[3])))
            else:
                data["newconn"].append((start, lat, "non-200" if kind.isdigit() else kind, pid_of(parts[3])))
    for records in data.values():
        records.sort(key=lambda r: r[0])
    return data


def windows(meta):
    result = []
    for e in meta["events"]:
        # a restart that rolled back has no ready time: its window ends when the trigger returned
        ends = [t for t in (e.get("ready"), e.get("old_exit"), e.get("returned")) if t is not None]
        result.append((e["trigger"], (max(ends) if ends else e["trigger"]) + 1.0))
    return result


def overlaps(start, end, wins):
    return any(start <= b and end >= a for a, b in wins)


def pct(sorted_values, p):
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def longest_gap(completions, wins):
    """Longest interval without a completion that overlaps a window (completions sorted)."""
    import bisect
    best = 0.0
    for a, b in wins:
        i = bisect.bisect_right(completions, a)
        prev = completions[i - 1] if i > 0 else a
        while i < len(completions):
            c = completions[i]
            best = max(best, c - prev)
            prev = c
            i += 1
            if c > b:
                break
        else:
            best = max(best, b - prev)
    return best * 1000.0


def steady_longest_gap(completions, spans):
    """Longest interval without a completion inside the given spans (completions sorted)."""
    import bisect
    best = 0.0
    for a, b in spans:
        prev = a
        for i in range(bisect.bisect_right(completions, a), bisect.bisect_right(completions, b)):
            best = max(best, completions[i] - prev)
            prev = completions[i]
        best = max(best, b - prev)
    return best * 1000.0


def nserv_phases(meta):
    """Splits each nserv restart by the old generation's log lines (timestamped by the orchestrator):
    ctl launched -> restart begun (ctl's JVM start), -> listeners handed to the successor (the successor's JVM start
    and launcher), -> successor ready (deploy), -> old process exit (drain and stop). Empty when not nserv or the log
    lines are not found."""
    path = os.path.join(meta.get("outdir", ""), "server.log")
    if meta["scenario"] != "nserv" or not os.path.exists(path):
        return []
    lines = []
    with open(path) as f:
        for line in f:
            t, _, text = line.partition(" ")
            try:
                lines.append((float(t), text))
            except ValueError:
                pass
    phases = []
    for e in meta["events"]:
        begun = next((t for t, text in lines if t >= e["trigger"] and "restart: starting generation" in text), None)
        handed = next((t for t, text in lines if begun and t >= begun and re.search(r"handed \d+ listener", text)), None)
        if begun and handed and e.get("ready") and e.get("old_exit"):
            phases.append((begun - e["trigger"], handed - begun, e["ready"] - handed, e["old_exit"] - e["ready"]))
    return phases


def analyse(meta, data):
    wins = windows(meta)
    t0, t1 = meta["clients_started"] + meta["warmup"], meta["clients_stopped"]
    result = {}
    all_completions = []
    for client, records in data.items():
        steady, inwin, failures = [], [], {}
        completions = []
        for start, lat, kind, _ in records:
            end = start + (lat or 0) / 1000.0
            if kind != "ok":
                failures[kind] = failures.get(kind, 0) + 1
                continue
            completions.append(end)
            if overlaps(start, end, wins):
                inwin.append(lat)
            elif start >= t0 and end <= t1:
                steady.append(lat)
        steady.sort()
        inwin.sort()
        completions.sort()
        all_completions.extend(completions)
        result[client] = {
            "requests": len(records), "ok": len(records) - sum(failures.values()), "failures": failures,
            "steady": [pct(steady, 50), pct(steady, 99), steady[-1] if steady else None, len(steady)],
            "window": [pct(inwin, 50), pct(inwin, 99), inwin[-1] if inwin else None, len(inwin)],
            "gap_ms": longest_gap(completions, wins),
        }
    all_completions.sort()
    result["both_gap_ms"] = longest_gap(all_completions, wins)
    # the same outside the windows, as the noise floor of this machine
    steady_wins = []
    edge = t0
    for a, b in wins + [(t1, t1)]:
        if a > edge:
            steady_wins.append((edge, a))
        edge = max(edge, b)
    result["steady_gap_ms"] = steady_longest_gap(all_completions, steady_wins)
    # the successor's first second of serving: its cold start as the clients saw it
    first = []
    for e in meta["events"]:
        served = sorted((start, lat) for recs in data.values() for start, lat, kind, pid in recs
                        if kind == "ok" and pid is not None and pid == e.get("new_pid"))
        if served:
            first.append(max(lat for start, lat in served if start < served[0][0] + 1.0))
    result["successor_first_second_max_ms"] = first
    ev = meta["events"]
    result["ready_s"] = [e["ready"] - e["trigger"] for e in ev if e.get("ready")]
    result["exit_s"] = [e["old_exit"] - e["trigger"] for e in ev if e.get("old_exit")]
    result["server_ready_ms"] = [e["server_ready_ms"] for e in ev if e.get("server_ready_ms") is not None]
    result["phases"] = nserv_phases(meta)
    result["failed_restarts"] = sum(1 for e in ev if e.get("ctl_rc", 0) != 0 or not e.get("ready"))
    return result


def wrk_errors(summary):
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", summary)
    # wrk prints the socket error line only when there was one
    errors = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups()) if m else (0, 0, 0, 0)))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", summary)
    errors["non-2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"(\d+) requests in", summary)
    return errors, int(m.group(1)) if m else None


# ---------------------------------------------------------------------------------------------------- plot

def svg_plot(metas, datas, path):
    import math
    width, left, right, panel_h, top_pad, gap = 1000, 70, 20, 190, 30, 46
    names = [n for n in metas]
    span = max(m["clients_stopped"] - m["clients_started"] for m in metas.values())
    top_pad = 48
    height = top_pad + len(names) * (panel_h + gap) + 40
    all_lat = [lat for d in datas.values() for recs in d.values() for _, lat, k, _ in recs if k == "ok" and lat]
    lo, hi = 0.1, 10 ** math.ceil(math.log10(max(all_lat) if all_lat else 1000))
    pw = width - left - right

    def x(t):
        return left + pw * t / span

    def y(ms, y0):
        ms = min(max(ms, lo), hi)
        return y0 + panel_h - panel_h * (math.log10(ms) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="sans-serif" font-size="11">' % (width, height, width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="18" font-size="13" font-weight="bold">Latency over time under restarts '
           '(max per 100 ms of successful requests, log scale)</text>' % left]
    # legend
    lx = left
    out.append('<line x1="%d" y1="34" x2="%d" y2="34" stroke="%s" stroke-width="1.5"/><text x="%d" y="38">%s</text>'
               % (lx, lx + 18, COLORS["wrk"], lx + 22, CLIENTS["wrk"]))
    out.append('<line x1="%d" y1="34" x2="%d" y2="34" stroke="%s" stroke-width="1.5"/><text x="%d" y="38">%s</text>'
               % (lx + 120, lx + 138, COLORS["newconn"], lx + 142, CLIENTS["newconn"]))
    out.append('<line x1="%d" y1="28" x2="%d" y2="40" stroke="black" stroke-dasharray="3,2"/><text x="%d" y="38">restart trigger</text>'
               % (lx + 310, lx + 310, lx + 314))
    out.append('<rect x="%d" y="29" width="14" height="10" fill="#fff2b3"/><text x="%d" y="38">window</text>' % (lx + 400, lx + 418))
    out.append('<line x1="%d" y1="29" x2="%d" y2="39" stroke="red" stroke-width="2"/><text x="%d" y="38">failed request</text>'
               % (lx + 470, lx + 470, lx + 474))
    out.append('<line x1="%d" y1="29" x2="%d" y2="39" stroke="#2ca02c" stroke-width="2"/><text x="%d" y="38">successor ready</text>'
               % (lx + 570, lx + 570, lx + 574))
    out.append('<line x1="%d" y1="29" x2="%d" y2="39" stroke="#555" stroke-width="2"/><text x="%d" y="38">old process exited</text>'
               % (lx + 680, lx + 680, lx + 684))
    for i, name in enumerate(names):
        meta, data = metas[name], datas[name]
        base = meta["clients_started"]
        y0 = top_pad + i * (panel_h + gap) + 18
        out.append('<text x="%d" y="%d" font-size="12" font-weight="bold">%s</text>' % (left, y0 - 6, LABELS.get(name, name)))
        for a, b in windows(meta):
            out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#fff2b3"/>' % (x(a - base), y0, x(b - base) - x(a - base), panel_h))
        out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>' % (left, y0, pw, panel_h))
        decade = lo
        while decade <= hi * 1.001:
            yy = y(decade, y0)
            out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (left, yy, left + pw, yy))
            out.append('<text x="%d" y="%.1f" text-anchor="end">%s ms</text>' % (left - 4, yy + 4, ("%g" % decade)))
            decade *= 10
        step = 5 if span <= 120 else 10
        t = 0
        while t <= span:
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#888"/>' % (x(t), y0 + panel_h, x(t), y0 + panel_h + 4))
            out.append('<text x="%.1f" y="%d" text-anchor="middle">%d s</text>' % (x(t), y0 + panel_h + 15, t))
            t += step
        for e in meta["events"]:
            tx = x(e["trigger"] - base)
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black" stroke-dasharray="3,2"/>' % (tx, y0, tx, y0 + panel_h))
            for key, color in (("ready", "#2ca02c"), ("old_exit", "#555")):
                if e.get(key):
                    tx = x(e[key] - base)
                    out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="2"/>'
                               % (tx, y0 + panel_h - 12, tx, y0 + panel_h, color))
        for client in ("wrk", "newconn"):
            bins = {}
            for start, lat, kind, _ in data[client]:
                if kind == "ok":
                    k = int((start - base) * 10)
                    if lat > bins.get(k, 0):
                        bins[k] = lat
            # one polyline per run of consecutive bins: a 100 ms bin without any 200 leaves a hole in the line
            runs, last = [], None
            for k, v in sorted(bins.items()):
                if k < 0:
                    continue
                if last is None or k != last + 1:
                    runs.append([])
                runs[-1].append("%.1f,%.1f" % (x(k / 10.0 + 0.05), y(v, y0)))
                last = k
            for points in runs:
                if len(points) == 1:
                    points.append(points[0])
                out.append('<polyline fill="none" stroke="%s" stroke-width="1" points="%s"/>' % (COLORS[client], " ".join(points)))
        for row, client in enumerate(("wrk", "newconn")):
            seen = set()
            for start, lat, kind, _ in data[client]:
                if kind != "ok":
                    px = round(x(start - base))
                    if px not in seen:
                        seen.add(px)
                        yy = y0 + 2 + row * 10
                        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="red" stroke-width="2"/>' % (px, yy, px, yy + 8))
        failed = {c: sum(1 for r in data[c] if r[2] != "ok") for c in data}
        out.append('<text x="%d" y="%d" text-anchor="end">failed: wrk %d, new-connection %d</text>'
                   % (left + pw, y0 - 6, failed["wrk"], failed["newconn"]))
    out.append('<text x="%d" y="%d">seconds since the clients started; red ticks: failed requests (top row wrk, second row new-connection client)</text>'
               % (left, height - 10))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


# ---------------------------------------------------------------------------------------------------- markdown

def fmt(v, digits=1):
    if v is None:
        return "-"
    return ("%." + str(digits) + "f") % v


def triple(v):
    return "%s / %s / %s" % (fmt(v[0]), fmt(v[1]), fmt(v[2]))


def span(values, digits=2):
    if not values:
        return "-"
    return "%s (%s-%s)" % (fmt(sum(values) / len(values), digits), fmt(min(values), digits), fmt(max(values), digits))


def failures_text(f):
    if not f:
        return "0"
    return "%d (%s)" % (sum(f.values()), ", ".join("%s %d" % (k, v) for k, v in sorted(f.items())))


def machine():
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) / 1048576
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()[0].split(" [")[0]
    return "nproc=%d (%s), %.0f GiB, %s, %s, Linux %s" % (os.cpu_count(), cpu, mem, java, wrk, platform.release())


def section(metas, results, run, command, svg_rel):
    first = next(iter(metas.values()))
    n = len(first["events"])
    lines = ["## Zero-downtime restart", ""]
    lines.append(
        "Restart under load, %d restarts per scenario, three scenarios in one run on the same machine, same demo WAR "
        "(one copy of `nserv-demo-war/target/nserv-demo.war`; nserv serves it through `--webapps` as `root.war`), "
        "same load: wrk with %d keep-alive connections (one thread each, %d ms pause after each response, "
        "`bench/restart-wrk.lua` logs every request) and `bench/RestartClient.java` with %d threads opening a new "
        "connection per request (`Connection: close`, %d ms pause, 5 s connect/read timeout)."
        % (n, first["wrk_connections"], first["wrk_delay_ms"], first["newconn_threads"], first["newconn_pause_ms"]))
    lines.append("")
    sighup = any(e.get("trigger_kind") == "sighup" for m in metas.values() for e in m["events"])
    lines.append("- **nserv**: `java -jar nserv.jar --host 127.0.0.1 --port P --webapps DIR --scan-interval 0 "
                 "--control-socket S`, " + (
                     "restarted with `kill -HUP <pid>` (trigger: signal sent; ready: the successor printed "
                     "`nserv: ready (generation N, pid P)`; old exit: the old pid is gone)." if sighup else
                     "restarted with `java -jar nserv.jar ctl --socket S restart` (trigger: ctl launched; ready: ctl "
                     "returned, i.e. the successor is ready; old exit: the old pid is gone)."))
    lines.append("- **plain Jetty stop-then-start**: `bench/PlainJettyWar.java` (plain `ServerConnector`, "
                 "`WebAppContext`, `setStopAtShutdown(true)`, same jars): SIGTERM, wait for the exit, start a new JVM "
                 "on the same port (ready: it logged `Started oejs.Server`).")
    lines.append("- **SO_REUSEPORT rebind**: `bench/ReusePortJetty.java` (the same with `ServerConnector.setReusePort(true)`): "
                 "start a new JVM that binds the same port while the old one listens, wait until it started, then "
                 "SIGTERM the old one (Jetty's stock stop closes its listener, then its connections).")
    lines.append("")
    lines.append("Restart window: trigger to max(successor ready, old exit) + 1 s. Steady state: every request "
                 "outside the windows after a %g s warm-up. Latencies are of 200 responses only; failed requests are "
                 "counted by kind (wrk's Lua hooks see a request without a response as a socket error; wrk's own "
                 "counters are in the second table). Longest gap: the longest time overlapping a window in which "
                 "the client completed no 200 at all." % first["warmup"])
    lines.append("")
    lines.append("| scenario | client | requests | failed (by kind) | steady p50 / p99 / max (ms) | in restart windows p50 / p99 / max (ms) | longest gap (ms) |")
    lines.append("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        for client in ("wrk", "newconn"):
            c = r[client]
            lines.append("| %s | %s | %d | %s | %s | %s | %.0f |" % (
                LABELS[name], CLIENTS[client], c["requests"], failures_text(c["failures"]), triple(c["steady"]),
                triple(c["window"]), c["gap_ms"]))
    lines.append("")
    lines.append("| scenario | trigger to successor ready (s), mean (min-max) | trigger to old exit (s), mean (min-max) | longest gap in windows, both clients (ms) | same outside windows (ms) | successor's first second of serving, max latency (ms), mean (min-max) | wrk's own error counters | restarts that failed | load average at start |")
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        errs, _ = wrk_errors(metas[name]["wrk_summary"])
        ready = span(r["ready_s"])
        if r["server_ready_ms"]:
            ready += "; server's own figure %s" % span([v / 1000.0 for v in r["server_ready_ms"]])
        lines.append("| %s | %s | %s | %.0f | %.0f | %s | %s | %d | %s |" % (
            LABELS[name], ready, span(r["exit_s"]), r["both_gap_ms"], r["steady_gap_ms"],
            span(r["successor_first_second_max_ms"], 0),
            ", ".join("%s %d" % kv for kv in errs.items()), r["failed_restarts"],
            " ".join("%.1f" % v for v in metas[name].get("loadavg", [])) or "-"))
    lines.append("")
    phases = results.get("nserv", {}).get("phases")
    if phases:
        mean = [sum(p[i] for p in phases) / len(phases) for i in range(4)]
        lines.append("nserv restart phases (means over %d restarts, from the old generation's log): ctl launched to "
                     "restart begun %.2f s (the ctl JVM), to listeners handed to the successor %.2f s (the successor's "
                     "JVM and launcher up to the handoff), to successor ready %.2f s (deploy), to old process exit "
                     "%.2f s (drain and stop)." % ((len(phases),) + tuple(mean)))
        lines.append("")
    parts = []
    for name, r in results.items():
        ratio = []
        for client in ("wrk", "newconn"):
            w, st = r[client]["window"][1], r[client]["steady"][1]
            ratio.append("%s %s" % ("wrk" if client == "wrk" else "new-connection", "%.2f" % (w / st) if w and st else "-"))
        parts.append("%s %s" % (LABELS[name], ", ".join(ratio)))
    lines.append("p99 inside restart windows / steady-state p99 of the same scenario: %s." % "; ".join(parts))
    base = results.get("stopstart")
    if base and "nserv" in results:
        def failed(r):
            return sum(sum(r[c]["failures"].values()) for c in ("wrk", "newconn"))
        lines.append("Failed requests, both clients: nserv %d, plain stop-then-start %d%s. Longest gap in restart "
                     "windows (both clients): nserv %.0f ms, plain stop-then-start %.0f ms (ratio %.2f)%s."
                     % (failed(results["nserv"]), failed(base),
                        (", SO_REUSEPORT %d" % failed(results["reuseport"])) if "reuseport" in results else "",
                        results["nserv"]["both_gap_ms"], base["both_gap_ms"],
                        results["nserv"]["both_gap_ms"] / base["both_gap_ms"] if base["both_gap_ms"] else float("nan"),
                        (", SO_REUSEPORT %.0f ms" % results["reuseport"]["both_gap_ms"]) if "reuseport" in results else ""))
    lines.append("")
    lines.extend(reading(metas, results))
    lines.append("![Latency over time, restarts marked](%s)" % svg_rel)
    lines.append("")
    lines.append("Machine: %s; %s UTC (run took %.0f s). wrk, the Java client and the servers share the 2 cores "
                 "(with other work on the machine), so absolute latencies are noisy: compare scenarios of the same run."
                 % (machine(), time.strftime("%Y-%m-%d %H:%M", time.gmtime(run.get("started", time.time()))),
                    run.get("finished", 0) - run.get("started", 0)))
    lines.append("")
    if run.get("commit"):
        lines.append("nserv.jar built %s UTC from commit %s%s." % (
            time.strftime("%H:%M", time.gmtime(run["jar_built"])), run["commit"],
            (" with uncommitted changes to %s" % ", ".join("`%s`" % os.path.basename(f) for f in run["uncommitted"]))
            if run.get("uncommitted") else ""))
        lines.append("")
    lines.append("Command: `%s` (raw per-request logs and restart timings in `bench/out/restart/`; "
                 "`bench/restart-bench.sh --report-only` redoes the table and the plot from them)." % command)
    return "\n".join(lines) + "\n"


def early_requests(meta, data):
    """Per restart: (requests served by the successor that started before it was ready, their max latency ms)."""
    result = []
    for e in meta["events"]:
        if not e.get("ready") or not e.get("new_pid"):
            continue
        early = [lat for recs in data.values() for start, lat, kind, pid in recs
                 if kind == "ok" and pid == e["new_pid"] and start < e["ready"]]
        result.append((len(early), max(early) if early else 0.0))
    return result


def reading(metas, results):
    """A reading of the figures, generated from them so that it always matches the table of the same run."""
    out = ["**Reading.**", ""]
    total = lambda r: sum(r[c]["requests"] for c in ("wrk", "newconn"))
    failed = lambda r, c: sum(r[c]["failures"].values())
    if "nserv" in results:
        r = results["nserv"]
        n = len(metas["nserv"]["events"])
        f = failed(r, "wrk") + failed(r, "newconn")
        if f == 0:
            out.append("- nserv: **0 failed requests** of %d over %d restarts, with keep-alive and new-connection "
                       "clients; wrk's own counters agree (no socket error, no non-2xx)." % (total(r), n))
        else:
            out.append("- nserv: **%d failed requests** of %d over %d restarts: keep-alive %s; new-connection %s. "
                       "The goal is 0." % (f, total(r), n, failures_text(r["wrk"]["failures"]),
                                          failures_text(r["newconn"]["failures"])))
        early = early_requests(metas["nserv"], DATAS["nserv"])
        out.append("- nserv latency: the p99 inside restart windows is %.2fx (keep-alive) and %.2fx (new connection) "
                   "the steady-state p99, but the max reaches %.0f ms. The successor accepts on the shared socket as "
                   "soon as its connectors start, shortly before the old generation commits, and its first requests are "
                   "slow: a fresh JVM, whose request path still loads classes and runs interpreted code (%s requests per restart started before ctl "
                   "returned, up to %.0f ms; the successor's first second of serving peaks at %s ms against a longest "
                   "gap of %.0f ms outside the windows). The longest gap (%.0f ms, both clients) coincides with "
                   "that cold start, not with the handoff itself. Trigger to ready is %s s: the successor's own start (JVM, "
                   "launcher, deploy; see the phases above) while the old generation serves the load%s."
                   % (ratio(r["wrk"]), ratio(r["newconn"]), max(r["wrk"]["window"][2] or 0, r["newconn"]["window"][2] or 0),
                      "-".join(sorted({str(e[0]) for e in early}, key=int)) if early else "0",
                      max([e[1] for e in early] or [0]), span(r["successor_first_second_max_ms"], 0),
                      r["steady_gap_ms"], r["both_gap_ms"], span(r["ready_s"]),
                      ("; the SO_REUSEPORT baseline's new process, started in the same position, is ready after %s s"
                       % span(results["reuseport"]["ready_s"])) if "reuseport" in results else ""))
    if "stopstart" in results:
        r = results["stopstart"]
        out.append("- Plain Jetty stop-then-start: %d failed requests of %d. New connections: %s, while no process "
                   "listens. Keep-alive: %d failed attempts (wrk reconnects at once and counts each refused attempt; "
                   "its counters: %s). No 200 at all for up to %.0f ms per restart (stop, JVM start, deploy)."
                   % (failed(r, "wrk") + failed(r, "newconn"), total(r), kinds(r["newconn"]["failures"]),
                      failed(r, "wrk"), ", ".join("%s %d" % kv for kv in wrk_errors(metas["stopstart"]["wrk_summary"])[0].items() if kv[1]),
                      r["both_gap_ms"]))
    if "reuseport" in results:
        r = results["reuseport"]
        early = early_requests(metas["reuseport"], DATAS["reuseport"])
        out.append("- SO_REUSEPORT rebind: %d failed requests of %d: keep-alive %d (Jetty's stock stop of the old "
                   "process closes kept-alive connections while requests are on their way), new connection %s "
                   "(a connection still queued on the old listener when it closes is reset: rare at this load; "
                   "FACTS.md measured 16 of 4000 with a 500 ms accept pause). Jetty binds its connectors before it deploys, so the kernel sends a share of new "
                   "connections to the new process while it is still starting: %s such requests per restart waited up "
                   "to %.0f ms."
                   % (failed(r, "wrk") + failed(r, "newconn"), total(r), failed(r, "wrk"),
                      kinds(r["newconn"]["failures"]),
                      "-".join(sorted({str(e[0]) for e in early}, key=int)) if early else "0",
                      max([e[1] for e in early] or [0])))
    loads = [m.get("loadavg", [0])[0] for m in metas.values()]
    out.append("- Noise: the 1-minute load average was %s at the start of the scenarios; it counts this "
               "benchmark's own threads too (wrk's %d, the client's and the servers'), so later scenarios start "
               "higher even on an otherwise idle machine. Other work on the same 2 cores shows as latency spikes "
               "outside the windows (see the steady-state max and the longest gap outside windows). Read the failure "
               "counts and their kinds first; latencies and times vary from run to run."
               % (", ".join("%.1f" % v for v in loads), next(iter(metas.values()))["wrk_connections"]))
    out.append("")
    return out


def kinds(f):
    return ", ".join("%s %d" % (k, v) for k, v in sorted(f.items(), key=lambda kv: -kv[1])) if f else "0 failed"


def ratio(c):
    w, s = c["window"][1], c["steady"][1]
    return w / s if w and s else float("nan")


DATAS = {}


def write_section(text, path):
    import re as _re
    content = open(path).read() if os.path.exists(path) else ""
    if not content.strip():
        content = "# Benchmarks\n\n"
    pattern = _re.compile(r"^## Zero-downtime restart\n.*?(?=^## |\Z)", _re.S | _re.M)
    if pattern.search(content):
        content = pattern.sub(lambda m: text + "\n", content)
    else:
        content = content.rstrip() + "\n\n" + text
    with open(path, "w") as f:
        f.write(content)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "out", "restart"))
    p.add_argument("--command", default="bench/restart-bench.sh")
    p.add_argument("--svg", default=os.path.join(ROOT, "bench", "restart-latency.svg"))
    p.add_argument("--benchmarks", default=os.path.join(ROOT, "BENCHMARKS.md"))
    p.add_argument("--no-markdown", action="store_true")
    args = p.parse_args()
    run = {}
    if os.path.exists(os.path.join(args.out, "run.json")):
        run = json.load(open(os.path.join(args.out, "run.json")))
    names = [n for n in run.get("scenarios", ["nserv", "stopstart", "reuseport"])
             if os.path.exists(os.path.join(args.out, n, "meta.json"))]
    metas, datas, results = {}, {}, {}
    for n in names:
        metas[n] = json.load(open(os.path.join(args.out, n, "meta.json")))
        metas[n]["outdir"] = os.path.join(args.out, n)
        datas[n] = DATAS[n] = load_requests(os.path.join(args.out, n))
        results[n] = analyse(metas[n], datas[n])
    svg_plot(metas, datas, args.svg)
    text = section(metas, results, run, args.command, os.path.relpath(args.svg, os.path.dirname(os.path.abspath(args.benchmarks))))
    print(text)
    if not args.no_markdown:
        write_section(text, args.benchmarks)


if __name__ == "__main__":
    main()
