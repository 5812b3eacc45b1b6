# Usage: python3 bench/reliability/threads.py PID PORT CONNECTIONS SECONDS_AFTER -- server threads before, under and after load
import socket, sys, time, os
pid = int(sys.argv[1]); port = int(sys.argv[2]); n = int(sys.argv[3]); after = int(sys.argv[4])
def threads(): return len(os.listdir(f"/proc/{pid}/task"))
print("before", threads(), flush=True)
conns = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port)); s.sendall(b"GET /slow?ms=3000 HTTP/1.1\r\nHost: x\r\n\r\n"); conns.append(s)
peak = 0; t0 = time.time()
while time.time() - t0 < 4:
    peak = max(peak, threads()); time.sleep(0.1)
print("under load (%d connections) peak" % n, peak, flush=True)
for s in conns: s.close()
t0 = time.time()
while time.time() - t0 < after:
    time.sleep(10); print("after %3d s" % (time.time() - t0), threads(), flush=True)
