#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""TCP helper for the packet tests: an echo server, and clients that report in one word
what happened to a connection, with how long it took.

  tcpprobe.py serve PORT READYFILE         echo server on [::]:PORT (IPv4 too)
  tcpprobe.py probe SRC DST PORT TIMEOUT   connect from SRC, send, read the echo:
                                           prints "ok|refused|reset|timeout MS"
  tcpprobe.py hold SRC DST PORT GOFILE TIMEOUT
                                           connect and check the echo (prints "up"),
                                           wait for GOFILE to appear, send again and
                                           print the outcome like probe
Every wait is bounded by TIMEOUT seconds (or 30 s for GOFILE).
"""
import os
import socket
import sys
import threading
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def serve(port, ready):
    srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    srv.bind(("::", port))
    srv.listen(64)
    with open(ready, "w") as f:
        f.write("ready\n")

    def echo(conn):
        with conn:
            try:
                while True:
                    data = conn.recv(4096)
                    if not data:
                        return
                    conn.sendall(data)
            except OSError:
                return

    while True:
        conn, _ = srv.accept()
        threading.Thread(target=echo, args=(conn,), daemon=True).start()


def exchange(sock, timeout):
    """Sends a line and waits for its echo; returns the outcome word."""
    sock.settimeout(timeout)
    try:
        sock.sendall(b"ping\n")
        data = sock.recv(64)
        return "ok" if data == b"ping\n" else "closed"
    except ConnectionResetError:
        return "reset"
    except ConnectionRefusedError:
        return "refused"
    except socket.timeout:
        return "timeout"
    except OSError as e:
        return "error:" + (e.strerror or str(e)).replace(" ", "_")


def connect(src, dst, port, timeout):
    sock = socket.socket(family(dst), socket.SOCK_STREAM)
    sock.bind((src, 0))
    sock.settimeout(timeout)
    try:
        sock.connect((dst, port))
    except ConnectionRefusedError:
        sock.close()
        return None, "refused"
    except ConnectionResetError:
        sock.close()
        return None, "reset"
    except socket.timeout:
        sock.close()
        return None, "timeout"
    return sock, None


def probe(src, dst, port, timeout):
    start = time.monotonic()
    sock, outcome = connect(src, dst, port, timeout)
    if sock:
        with sock:
            outcome = exchange(sock, timeout)
    print(outcome, int((time.monotonic() - start) * 1000), flush=True)


def hold(src, dst, port, go, timeout):
    sock, outcome = connect(src, dst, port, timeout)
    if not sock:
        print("down", outcome, flush=True)
        return
    with sock:
        outcome = exchange(sock, timeout)
        if outcome != "ok":
            print("down", outcome, flush=True)
            return
        print("up", flush=True)
        deadline = time.monotonic() + 30
        while not os.path.exists(go):
            if time.monotonic() > deadline:
                print("no-go", flush=True)
                return
            time.sleep(0.01)
        start = time.monotonic()
        outcome = exchange(sock, timeout)
        print(outcome, int((time.monotonic() - start) * 1000), flush=True)


def main(argv):
    if len(argv) == 4 and argv[1] == "serve":
        serve(int(argv[2]), argv[3])
    elif len(argv) == 6 and argv[1] == "probe":
        probe(argv[2], argv[3], int(argv[4]), float(argv[5]))
    elif len(argv) == 7 and argv[1] == "hold":
        hold(argv[2], argv[3], int(argv[4]), argv[5], float(argv[6]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
