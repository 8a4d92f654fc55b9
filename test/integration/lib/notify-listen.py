#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Stands in for systemd's NOTIFY_SOCKET: receives the daemon's sd_notify() datagrams and
# writes one line per datagram, "MONOTONIC_MS<TAB>STATE|STATE...", to OUT. On READY=1 it runs
# CHECK (a shell command) at once and writes "check<TAB>EXIT<TAB>OUTPUT" before reading on.
# Usage: notify-listen.py SOCKET OUT CHECK
import os
import socket
import subprocess
import sys
import time

path, out_path, check = sys.argv[1], sys.argv[2], sys.argv[3]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
os.chmod(path, 0o666)
with open(out_path, "a", buffering=1) as out:
    out.write("listening\n")
    while True:
        data = sock.recv(65536)
        now_ms = time.monotonic_ns() // 1_000_000
        states = data.decode("utf-8", "replace").strip("\n").split("\n")
        out.write("%d\t%s\n" % (now_ms, "|".join(states)))
        if "READY=1" in states:
            r = subprocess.run(["sh", "-c", check], capture_output=True, text=True)
            out.write("check\t%d\t%s\n" % (r.returncode, r.stdout.replace("\n", " ")))
