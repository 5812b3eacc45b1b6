#!/usr/bin/env python3
"""Slow clients against the connection limit.

Usage: python3 bench/reliability/slowloris_limit.py PORT [SLOW=100] [SECONDS=40]

SLOW clients each send one header byte every 2 s and reconnect as soon as the server closes them; meanwhile a
legitimate client sends `GET /` on a new connection every second and records how long each answer took. Prints one
line: legitimate requests, how many got 200, other statuses or errors, the slowest answer, and how often the slow
clients were closed. Bounded: every thread stops after SECONDS.
"""
import socket, sys, threading, time

port = int(sys.argv[1]); slow = int(sys.argv[2]) if len(sys.argv) > 2 else 100
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 40
end = time.time() + seconds
closed = [0]; lock = threading.Lock()

def slow_client():
    header = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10000
    while time.time() < end:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
        except OSError:
            time.sleep(0.2); continue
        s.settimeout(2)
        try:
            for b in header:
                if time.time() >= end: break
                s.send(bytes([b]))
                try:
                    if s.recv(100) == b"": raise OSError("closed")
                except socket.timeout:
                    pass
        except OSError:
            with lock: closed[0] += 1
        finally:
            s.close()

threads = [threading.Thread(target=slow_client, daemon=True) for _ in range(slow)]
for t in threads: t.start()
time.sleep(3)  # let the slow clients take the slots first
results = []
while time.time() < end - 6:
    t0 = time.time()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30); s.settimeout(30)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk: break
            data += chunk
        s.close()
        status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else "no answer"
    except OSError as x:
        status = "error " + type(x).__name__
    results.append((status, time.time() - t0))
    time.sleep(max(0, 1 - (time.time() - t0)))
ok = sum(1 for s, _ in results if s == "200")
worst = max((d for _, d in results), default=0)
others = sorted({s for s, _ in results if s != "200"})
print("legitimate: %d requests, %d x 200, others %s, slowest %.2f s; slow clients closed %d times" % (len(results), ok, others or "none", worst, closed[0]))
