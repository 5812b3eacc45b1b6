# Usage: python3 bench/reliability/shapes.py PORT -- raw smuggling shapes, oversized headers, NUL bytes; prints the statuses
import socket, sys, time
port = int(sys.argv[1])
def probe(name, raw, wait=3):
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(wait)
    s.sendall(raw); data = b""
    try:
        while True:
            c = s.recv(65536)
            if not c: break
            data += c
    except socket.timeout: pass
    s.close()
    import re; statuses = [m.decode() for m in re.findall(rb"HTTP/1\.1 (\d{3})", data)]
    print("%-48s -> %s" % (name, ", ".join(statuses) or "no answer"))
probe("CL + TE: chunked (smuggling shape)", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n")
probe("two different Content-Length", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde")
probe("TE: chunked, identity", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n")
probe("TE: xchunked", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n")
probe("space before colon (Content-Length : 5)", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nabcde")
probe("obs-fold header", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n")
probe("bad chunk size", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
probe("two Host headers", b"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n")
probe("no Host (HTTP/1.1)", b"GET / HTTP/1.1\r\n\r\n")
probe("16 KiB header (default limit 8 KiB)", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 16384 + b"\r\n\r\n")
probe("NUL byte in header value", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n")
probe("NUL byte in request target", b"GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n")
probe("bare LF request line (default RFC9110)", b"GET / HTTP/1.1\nHost: x\r\nConnection: close\r\n\r\n")
probe("pipelined GET + GET", b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
