#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Both ends of many TCP connections for the cut benchmark, in one process each (selectors,
no threads), recording when each connection ends with the wall clock in nanoseconds.

  cut-peers.py server PORT READYFILE EVENTS
      echo server on [::]:PORT (IPv4 too); appends "end PEER HOW NS" to EVENTS when a
      connection ends (HOW: eof, reset, aborted)
  cut-peers.py clients DST PORT ADDRFILE PER EVENTS TIMEOUT
      PER connections from each address of ADDRFILE (one a line) to DST:PORT, each checked
      with one echo; then "up N" in EVENTS, and "reset SRC NS" (or eof) for each connection
      that ends; exits when all have ended or after TIMEOUT seconds
  cut-peers.py probe SOCKET STOPFILE OUT
      asks the daemon's control socket for its status over one kept connection, one request
      every 2 ms, until STOPFILE exists; then writes "n N p50_us P max_us M" to OUT: how long
      the main loop took to answer (a loop busy cutting answers late)
"""
import errno
import selectors
import socket
import sys
import time


def log(f, line):
    f.write(line + "\n")
    f.flush()


def peer_name(addr):
    host = addr[0]
    return host[7:] if host.startswith("::ffff:") else host


def server(port, ready, events):
    srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    srv.bind(("::", port))
    srv.listen(4096)
    srv.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ, None)
    out = open(events, "a")
    with open(ready, "w") as f:
        f.write("ready\n")
    while True:
        for key, _ in sel.select():
            if key.data is None:
                while True:
                    try:
                        conn, addr = srv.accept()
                    except BlockingIOError:
                        break
                    conn.setblocking(False)
                    sel.register(conn, selectors.EVENT_READ, peer_name(addr))
                continue
            conn = key.fileobj
            how = None
            try:
                data = conn.recv(4096)
                if data:
                    conn.send(data)
                else:
                    how = "eof"
            except ConnectionResetError:
                how = "reset"
            except ConnectionAbortedError:
                how = "aborted"
            except BlockingIOError:
                pass
            except OSError as e:
                how = errno.errorcode.get(e.errno, "error")
            if how:
                log(out, "end %s %s %d" % (key.data, how, time.time_ns()))
                sel.unregister(conn)
                conn.close()


def clients(dst, port, addrfile, per, events, timeout):
    addrs = [line.strip() for line in open(addrfile) if line.strip()]
    out = open(events, "a")
    sel = selectors.DefaultSelector()
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    n = 0
    for a in addrs:
        for _ in range(per):
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.bind((a, 0))
            s.settimeout(10)
            s.connect((dst, port))
            s.sendall(b"ping\n")
            if s.recv(16) != b"ping\n":
                raise SystemExit("no echo from %s" % dst)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, a)
            n += 1
    log(out, "up %d" % n)
    end = time.monotonic() + timeout
    while n > 0 and time.monotonic() < end:
        for key, _ in sel.select(timeout=1):
            how = None
            try:
                if key.fileobj.recv(64) == b"":
                    how = "eof"
            except ConnectionResetError:
                how = "reset"
            except BlockingIOError:
                pass
            except OSError as e:
                how = errno.errorcode.get(e.errno, "error")
            if how:
                log(out, "%s %s %d" % (how, key.data, time.time_ns()))
                sel.unregister(key.fileobj)
                key.fileobj.close()
                n -= 1


def probe(path, stopfile, out):
    import os
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    rtts = []
    answered = []
    buf = b""
    while not os.path.exists(stopfile):
        t0 = time.monotonic_ns()
        conn.sendall(b'{"v":1,"cmd":"status"}\n')
        while b"\n" not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                raise SystemExit("probe: the daemon closed the connection")
            buf += chunk
        buf = buf[buf.index(b"\n") + 1:]
        rtts.append((time.monotonic_ns() - t0) // 1000)
        answered.append(time.time_ns())
        time.sleep(0.002)
    rtts.sort()
    with open(out, "w") as f:
        f.write("n %d p50_us %d max_us %d\n" % (len(rtts), rtts[len(rtts) // 2], rtts[-1]))
        for t in answered:
            f.write("answer %d\n" % t)


def main(argv):
    if len(argv) == 5 and argv[1] == "server":
        server(int(argv[2]), argv[3], argv[4])
    elif len(argv) == 8 and argv[1] == "clients":
        clients(argv[2], int(argv[3]), argv[4], int(argv[5]), argv[6], float(argv[7]))
    elif len(argv) == 5 and argv[1] == "probe":
        probe(argv[2], argv[3], argv[4])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
