#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""TCP helper for the packet tests: an echo server, and clients that report in one word
what happened to a connection, with how long it took.

  tcpprobe.py serve PORT READYFILE [EVENTS]
                                           echo server on [::]:PORT (IPv4 too); with
                                           EVENTS, appends "end PEER eof|reset|aborted"
                                           there when a connection ends (aborted: the
                                           socket was destroyed under it)
  tcpprobe.py serve-one PORT READYFILE GOFILE TIMEOUT
                                           accepts one connection, echoes its first line
                                           (prints "up PEER"), waits for GOFILE, sends a
                                           line and prints the outcome like probe
  tcpprobe.py wait SRC DST PORT TIMEOUT    connect and check the echo (prints "up"), then
                                           wait without sending for the connection to end:
                                           prints "reset|eof|timeout MS EPOCH_MS"
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


def listener(port, ready):
    srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    srv.bind(("::", port))
    srv.listen(64)
    with open(ready, "w") as f:
        f.write("ready\n")
    return srv


def peer_name(addr):
    host = addr[0]
    return host[7:] if host.startswith("::ffff:") else host


def serve(port, ready, events=None):
    srv = listener(port, ready)
    lock = threading.Lock()

    def record(peer, how):
        if events:
            with lock, open(events, "a") as f:
                f.write("end %s %s\n" % (peer, how))

    def echo(conn, peer):
        with conn:
            try:
                while True:
                    data = conn.recv(4096)
                    if not data:
                        return record(peer, "eof")
                    conn.sendall(data)
            except ConnectionResetError:
                return record(peer, "reset")
            except ConnectionAbortedError:
                return record(peer, "aborted")
            except OSError as e:
                return record(peer, "error:" + (e.strerror or str(e)).replace(" ", "_"))

    while True:
        conn, addr = srv.accept()
        threading.Thread(target=echo, args=(conn, peer_name(addr)), daemon=True).start()


def serve_one(port, ready, go, timeout):
    srv = listener(port, ready)
    conn, addr = srv.accept()
    with conn:
        conn.settimeout(timeout)
        data = conn.recv(64)
        conn.sendall(data)
        print("up", peer_name(addr), flush=True)
        deadline = time.monotonic() + 30
        while not os.path.exists(go):
            if time.monotonic() > deadline:
                print("no-go", flush=True)
                return
            time.sleep(0.01)
        start = time.monotonic()
        outcome = exchange(conn, timeout)
        print(outcome, int((time.monotonic() - start) * 1000), flush=True)


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


def wait(src, dst, port, timeout):
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
        start = time.monotonic()
        sock.settimeout(timeout)
        try:
            outcome = "eof" if sock.recv(64) == b"" else "data"
        except ConnectionResetError:
            outcome = "reset"
        except socket.timeout:
            outcome = "timeout"
        except OSError as e:
            outcome = "error:" + (e.strerror or str(e)).replace(" ", "_")
        print(outcome, int((time.monotonic() - start) * 1000), int(time.time() * 1000),
              flush=True)


def main(argv):
    if len(argv) in (4, 5) and argv[1] == "serve":
        serve(int(argv[2]), argv[3], argv[4] if len(argv) == 5 else None)
    elif len(argv) == 6 and argv[1] == "serve-one":
        serve_one(int(argv[2]), argv[3], argv[4], float(argv[5]))
    elif len(argv) == 6 and argv[1] == "wait":
        wait(argv[2], argv[3], int(argv[4]), float(argv[5]))
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
