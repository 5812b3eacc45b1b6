# Usage: python3 bench/reliability/idle.py SOCKET N -- opens N idle connections to the control socket, then times ctl status
import socket, subprocess, sys, time, glob
sock = sys.argv[1]; n = int(sys.argv[2])
conns = []
for i in range(n):
    s = socket.socket(socket.AF_UNIX); s.connect(sock); conns.append(s)
t = time.time()
r = subprocess.run(["java", "-jar", "nserv-jetty/target/nserv.jar", "ctl", "--socket", sock, "status"], capture_output=True, text=True)
print("ctl exit", r.returncode, "in %.2f s" % (time.time() - t)); print(r.stdout[:200], r.stderr[:300])
