# Usage: python3 bench/reliability/slowloris.py PORT SECONDS -- one header byte every 5 s; reports when the server closes
import socket, sys, time
port = int(sys.argv[1]); limit = float(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port)); t0 = time.time()
req = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000
for b in req:
    try:
        s.send(bytes([b]))
    except OSError as x:
        print("closed by the server after %.1f s (%s)" % (time.time() - t0, x)); sys.exit()
    s.settimeout(5)
    try:
        if s.recv(100) == b"": print("closed by the server after %.1f s" % (time.time() - t0)); sys.exit()
    except socket.timeout: pass
    if time.time() - t0 > limit: print("still open after %.1f s (1 header byte per 5 s)" % (time.time() - t0)); sys.exit()
