# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the cut-*.sh cases (after lib/common.sh, ab_enter_netns, lib/daemon.sh and
# lib/netns.sh): a TCP server of ours on $PORT (lib/tcpprobe.py), clients in the namespace $ns
# whose connections the cut must end or leave alone, and what the server's sockets and the
# conntrack table say about each peer. The case sets PORT, and opens fd 3 on its stderr
# (exec 3>&2) for is_up's reason.

PROBE="$AB_SRC/test/integration/lib/tcpprobe.py"
# The interpreter itself, not a version manager's shim (pyenv's takes seconds to start).
PYTHON=$(command -v /usr/bin/python3 || command -v python3) ||
    ab_fail "python3 is missing (scripts/setup installs it)"
command -v ss >/dev/null || ab_fail "ss is missing (scripts/setup installs iproute2)"

in_ns() { ip netns exec "$ns" "$@"; }

# cut_serve: the server on $PORT (pid $SERVER), holding every connection open; the ends it
# saw go to $AB_TMP/events.
cut_serve() {
    "$PYTHON" "$PROBE" serve "$PORT" "$AB_TMP/ready" "$AB_TMP/events" 2>"$AB_TMP/server.err" &
    SERVER=$!
    ab_on_exit "kill $SERVER"
    ab_wait_for 10 test -s "$AB_TMP/ready"
}

# A client SRC that connects and then only waits (CUT_WAIT_S seconds at most, default 20) for
# its connection to end ("wait"), or one that exchanges data again when $AB_TMP/go appears
# ("hold"); output in $AB_TMP/c-SRC.
waiter() { in_ns "$PYTHON" "$PROBE" wait "$1" "$2" "$PORT" "${CUT_WAIT_S:-20}" >"$AB_TMP/c-$1" 2>&1 & }
holder() { in_ns "$PYTHON" "$PROBE" hold "$1" "$2" "$PORT" "$AB_TMP/go" 3 >"$AB_TMP/c-$1" 2>&1 & }
is_up() {
    case "$(head -1 "$AB_TMP/c-$1" 2>/dev/null)" in
    up) return 0 ;;
    down*) # (ab_wait_for hides the output of what it runs: the reason goes to fd 3)
        echo "FAIL: $1 could not connect: $(cat "$AB_TMP/c-$1"); server" \
            "$(kill -0 "$SERVER" 2>/dev/null && echo alive || echo gone); $(ss -ltn)" >&3
        exit 1 ;;
    esac
    return 1
}
outcome() { sed -n 2p "$AB_TMP/c-$1" 2>/dev/null | cut -d' ' -f1; }
got_outcome() { [ "$(outcome "$1")" = "$2" ]; }
# The server's established sockets to a peer (IPv4 peers show as ::ffff:A.B.C.D).
server_socks() { ss -tnH state established "( sport = :$PORT )" | grep -cE "[[:space:]]\[?(::ffff:)?$1\]?:[0-9]+[[:space:]]*$" || true; }
no_server_sock() { [ "$(server_socks "$1")" -eq 0 ]; }
# /proc/net/nf_conntrack writes IPv6 addresses with every zero.
exploded() { "$PYTHON" -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]).exploded)' "$1"; }
conntrack_of() { grep -cF "src=$(exploded "$1") " /proc/net/nf_conntrack || true; }
no_conntrack() { [ "$(conntrack_of "$1")" -eq 0 ]; }
server_saw() { grep -qx "end $1 $2" "$AB_TMP/events" 2>/dev/null; }
status() { abctl status --json | jq -r "$1"; }
