#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# A raw control-socket client for the list paging tests: it asks for `list` page after page
# (each request on a connection of its own, as the CLI does), follows "next" with "after",
# and reports each reply line's size and ban count, so a test sees what the daemon sends
# rather than what the CLI makes of it.
#
# listpages.py SOCKET SORT OUT [--limit N] [--after-page K --run CMD]
#   writes every listed address to OUT, one per line, in the order received, and prints one
#   line per page: "page I bans N bytes B ms T next CURSOR" (T: request to whole reply); with
#   --run, CMD is run through the shell after page K and must succeed.
import argparse
import json
import socket
import subprocess
import sys
import time

REPLY_MAX = 64 * 1024 * 1024


def request(path, req):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(path)
    s.sendall((json.dumps(req, separators=(",", ":")) + "\n").encode())
    buf = bytearray()
    while not buf.endswith(b"\n"):
        chunk = s.recv(1 << 20)
        if not chunk:
            sys.exit("the daemon closed the connection before a whole reply")
        buf += chunk
        if len(buf) > REPLY_MAX:
            sys.exit("reply longer than %d bytes" % REPLY_MAX)
    s.close()
    return bytes(buf)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("sort")
    ap.add_argument("out")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--after-page", type=int, default=0)
    ap.add_argument("--run", default="")
    a = ap.parse_args()
    req = {"v": 1, "cmd": "list", "sort": a.sort}
    if a.limit:
        req["limit"] = a.limit
    page = 0
    with open(a.out, "w") as out:
        while True:
            t0 = time.monotonic()
            line = request(a.socket, req)
            ms = (time.monotonic() - t0) * 1000
            reply = json.loads(line)
            if not reply.get("ok"):
                sys.exit("error reply: %s" % line.decode(errors="replace").strip())
            page += 1
            bans = reply["bans"]
            nxt = reply.get("next")
            print("page %d bans %d bytes %d ms %.1f next %s" % (page, len(bans), len(line), ms, nxt))
            for b in bans:
                out.write(b["addr"] + "\n")
            out.flush()
            if page == a.after_page and a.run:
                subprocess.run(a.run, shell=True, check=True)
            if nxt is None:
                break
            req["after"] = nxt


if __name__ == "__main__":
    main()
