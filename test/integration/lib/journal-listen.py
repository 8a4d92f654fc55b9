#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Stands in for journald's native socket (/run/systemd/journal/socket in a private mount
# namespace): decodes each datagram of the native protocol (KEY=VALUE lines, or KEY, a
# little-endian 64-bit length and binary data; a memfd passed with SCM_RIGHTS for a large
# entry) and writes it as one JSON object per line to OUT.
# Usage: journal-listen.py SOCKET OUT
import array
import json
import os
import socket
import struct
import sys

path, out_path = sys.argv[1], sys.argv[2]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
os.chmod(path, 0o666)


def decode(buf):
    fields = {}
    i = 0
    while i < len(buf):
        nl = buf.index(b"\n", i)
        line = buf[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            k = line
            (n,) = struct.unpack_from("<Q", buf, nl + 1)
            v = buf[nl + 9:nl + 9 + n]
            i = nl + 9 + n + 1
        fields.setdefault(k.decode(), []).append(v.decode("utf-8", "replace"))
    return {k: (v[0] if len(v) == 1 else v) for k, v in fields.items()}


with open(out_path, "a", buffering=1) as out:
    while True:
        fds = array.array("i")
        data, anc, _, _ = sock.recvmsg(1 << 20, socket.CMSG_SPACE(4 * fds.itemsize))
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
        for fd in fds:
            with os.fdopen(fd, "rb") as f:
                data = f.read()
        out.write(json.dumps(decode(data)) + "\n")
