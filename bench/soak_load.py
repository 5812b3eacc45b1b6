#!/usr/bin/env python3
"""HTTP load for bench/soak.sh: new-connection and keep-alive clients on 127.0.0.1 that count every request.

A keep-alive client checks its connection before reusing it (a non-blocking peek sees the server's close at once),
so a connection the server closed while idle is replaced before a request is written; a request written on a
connection that then fails counts as failed. Runs until the stop file exists, then writes a JSON summary.
"""
import argparse, json, os, socket, threading, time

def read_response(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise IOError("connection closed before the response headers")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise IOError("connection closed in the body")
        body += chunk
    return status, headers.get("connection", "").lower() == "close"

def alive(sock):
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)

class Counter:
    def __init__(self):
        self.lock = threading.Lock(); self.ok = 0; self.failed = 0; self.errors = []
    def add(self, ok, error=None):
        with self.lock:
            if ok: self.ok += 1
            else:
                self.failed += 1
                if len(self.errors) < 20: self.errors.append("%.3f %s" % (time.time(), error))

def client(port, keep_alive, stop, counter):
    request = ("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" % ("" if keep_alive else "Connection: close\r\n")).encode()
    sock = None
    while not os.path.exists(stop):
        try:
            if sock is not None and not alive(sock):
                sock.close(); sock = None
            if sock is None:
                sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        except OSError as x:
            counter.add(False, "connect: %s" % x); sock = None; time.sleep(0.05); continue
        try:
            sock.sendall(request)
            status, close = read_response(sock)
            counter.add(status == 200, "status %d" % status)
            if close or not keep_alive:
                sock.close(); sock = None
        except (OSError, ValueError, IndexError) as x:
            counter.add(False, "request: %r" % x)
            try: sock.close()
            except OSError: pass
            sock = None

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--stop", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--new-connection-clients", type=int, default=2)
    p.add_argument("--keep-alive-clients", type=int, default=2)
    a = p.parse_args()
    counter = Counter()
    threads = [threading.Thread(target=client, args=(a.port, False, a.stop, counter), daemon=True) for _ in range(a.new_connection_clients)]
    threads += [threading.Thread(target=client, args=(a.port, True, a.stop, counter), daemon=True) for _ in range(a.keep_alive_clients)]
    for t in threads: t.start()
    for t in threads: t.join(timeout=120)
    with open(a.out, "w") as f:
        json.dump({"ok": counter.ok, "failed": counter.failed, "errors": counter.errors}, f)

if __name__ == "__main__":
    main()
