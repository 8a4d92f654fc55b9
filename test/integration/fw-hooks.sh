#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Every path in, with real packets through a gateway: an attacker namespace (198.51.100.2
# banned, .3 not) reaches our namespace, the gateway, which forwards port 8080 by DNAT to an
# inner server namespace (203.0.113.2:80) and serves port 8081 itself.
#  - hook PREROUTING (raw table, nftables priority raw), every backend (iptables, nftables,
#    ipset, auto): the banned address reaches neither the forwarded port nor the gateway, the
#    other address reaches both; with action = reject the raw hook drops;
#  - hook DOCKER-USER (a chain made as Docker makes it, above an ESTABLISHED accept in
#    FORWARD): forwarded connections of the banned address stop, the gateway's own port is
#    not behind that hook; missing at start: a warning, and the next batch hooks it once it
#    exists (nftables: the forward chain);
#  - reject with direction = both: the inner server's and the gateway's own established
#    connections to the banned address get a TCP reset at their next packet (INPUT/FORWARD
#    and PREROUTING hooks), the unbanned address's connections stay up.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/netns.sh"

FWCTL="$AB_BUILD/test/fwctl"
PROBE="$AB_SRC/test/integration/lib/tcpprobe.py"
[ -x "$FWCTL" ] || ab_fail "$FWCTL is not built"
command -v python3 >/dev/null || ab_fail "python3 is missing (scripts/setup installs it)"
TIMEOUT=1

atk="ab-hk-atk-$$"
srv="ab-hk-srv-$$"
in_atk() { ip netns exec "$atk" "$@"; }
in_srv() { ip netns exec "$srv" "$@"; }
ab_peer "$atk" ab-gw-out ab-atk 198.51.100.1/24 "198.51.100.2/24 198.51.100.3/24" 198.51.100.1
ab_peer "$srv" ab-gw-in ab-srv 203.0.113.1/24 203.0.113.2/24 203.0.113.1
sysctl -qw net.ipv4.ip_forward=1

# The port forward, and a conntrack accept at the top of INPUT and FORWARD as a real gateway
# has them.
iptables-legacy -w -t nat -A PREROUTING -d 198.51.100.1 -p tcp --dport 8080 -j DNAT \
    --to-destination 203.0.113.2:80
iptables-legacy -w -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
iptables-legacy -w -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT

ip netns exec "$srv" python3 "$PROBE" serve 80 "$AB_TMP/ready-srv" &
ab_on_exit "kill $!"
python3 "$PROBE" serve 8081 "$AB_TMP/ready-gw" &
ab_on_exit "kill $!"
ab_wait_for 10 test -s "$AB_TMP/ready-srv"
ab_wait_for 10 test -s "$AB_TMP/ready-gw"

# A server that holds one connection: "server PORT READY GO": accepts, answers one line
# (prints "up"), waits for GO, then writes and reads: prints "reset MS" when a reset ends the
# connection, else "ok|timeout|closed MS". "client SRC DST PORT": connects, exchanges one
# line, and keeps the socket open (silently) for 60 s. (Bounds are generous: a loaded
# machine may take seconds to start a Python process.)
cat >"$AB_TMP/hold.py" <<'EOF'
import os, socket, sys, time
def server(port, ready, go, timeout):
    s = socket.socket(socket.AF_INET6)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port)); s.listen(4)
    open(ready, "w").write("ready\n")
    s.settimeout(60)
    c, _ = s.accept()
    c.settimeout(timeout)
    c.recv(64); c.sendall(b"hi\n")
    print("up", flush=True)
    deadline = time.monotonic() + 60
    while not os.path.exists(go) and time.monotonic() < deadline:
        time.sleep(0.01)
    start = time.monotonic()
    try:
        c.sendall(b"more\n")
        data = c.recv(64)
        out = "closed" if not data else "ok"
    except ConnectionResetError:
        out = "reset"
    except socket.timeout:
        out = "timeout"
    print(out, int((time.monotonic() - start) * 1000), flush=True)
def client(src, dst, port):
    c = socket.socket(socket.AF_INET)
    c.bind((src, 0)); c.settimeout(30)
    c.connect((dst, port)); c.sendall(b"hi\n"); c.recv(64)
    time.sleep(60)
if sys.argv[1] == "server":
    server(int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5]))
else:
    client(sys.argv[2], sys.argv[3], int(sys.argv[4]))
EOF

probe() { in_atk python3 "$PROBE" probe "$1" "$2" "$3" "$TIMEOUT"; }
expect() { # SRC DST PORT OUTCOME WHAT
    got=$(probe "$1" "$2" "$3")
    case "$got" in
    "$4 "*) echo "  $5: $1 -> $2:$3 $got ms" ;;
    *) ab_fail "$5: $1 -> $2:$3: expected $4, got $got" ;;
    esac
}
ping_ok() { in_atk ping -q -n -c 1 -W "$TIMEOUT" -I "$1" "$2" >/dev/null 2>&1; }
ab_wait_for 10 ping_ok 198.51.100.2 198.51.100.1
ab_wait_for 10 in_srv ping -q -n -c 1 -W 1 203.0.113.1

fw() { # BACKEND ARGS...
    b=$1
    shift
    "$FWCTL" --backend "$b" --lock "$XTABLES_LOCKFILE" "$@"
}
all_open() { # WHAT
    expect 198.51.100.2 198.51.100.1 8080 ok "$1, forwarded port"
    expect 198.51.100.2 198.51.100.1 8081 ok "$1, gateway's port"
}

for backend in iptables nftables ipset auto; do
    for action in drop reject; do
        echo "== $backend: hook PREROUTING, $action"
        fw "$backend" --hooks PREROUTING --action "$action" reconcile
        all_open "before the ban"
        fw "$backend" --hooks PREROUTING --action "$action" apply +198.51.100.2
        # The raw hook drops, whatever the action: no reset, and no conntrack entry.
        expect 198.51.100.2 198.51.100.1 8080 timeout "banned, forwarded port"
        expect 198.51.100.2 198.51.100.1 8081 timeout "banned, gateway's port"
        if ping_ok 198.51.100.2 198.51.100.1; then ab_fail "ping from the banned address"; fi
        expect 198.51.100.3 198.51.100.1 8080 ok "not banned, forwarded port"
        expect 198.51.100.3 198.51.100.1 8081 ok "not banned, gateway's port"
        case $backend in
        nftables)
            nft list chain inet alertban prerouting | grep -q 'hook prerouting priority raw' ||
                ab_fail "no prerouting chain at priority raw"
            ;;
        ipset)
            iptables-legacy -t raw -S PREROUTING | grep -qx -- \
                '-A PREROUTING -m set --match-set ALERTBAN4 src -j DROP' ||
                ab_fail "no set rule in raw PREROUTING: $(iptables-legacy -t raw -S PREROUTING)"
            ;;
        *)
            iptables-legacy -t raw -S PREROUTING | sed -n 2p | grep -qx -- '-A PREROUTING -j ALERTBAN' ||
                ab_fail "raw PREROUTING does not start with our jump"
            iptables-legacy -t raw -S ALERTBAN | grep -qx -- '-A ALERTBAN -s 198.51.100.2/32 -j DROP' ||
                ab_fail "no drop rule in the raw table"
            # Nothing of ours is left in the filter table: the raw hook is the only one.
            if iptables-legacy -S | grep -q ALERTBAN; then ab_fail "filter table holds ours"; fi
            ;;
        esac
        fw "$backend" --hooks PREROUTING --action "$action" apply -198.51.100.2
        all_open "after the unban"
        fw "$backend" --hooks PREROUTING flush
    done
done
if iptables-legacy -t raw -S | grep -q ALERTBAN; then ab_fail "flush left rules in raw"; fi
[ -z "$(nft list tables)" ] || ab_fail "flush left nftables tables: $(nft list tables)"

echo "== switching hooks: raw to INPUT moves our rules out of the raw table"
fw iptables --hooks PREROUTING reconcile 198.51.100.2
fw iptables --hooks INPUT reconcile 198.51.100.2
if iptables-legacy -t raw -S | grep -q ALERTBAN; then ab_fail "raw still holds ours"; fi
iptables-legacy -S INPUT | sed -n 2p | grep -qx -- '-A INPUT -j ALERTBAN' || ab_fail "no INPUT jump"
fw iptables flush

echo "== DOCKER-USER missing at start: a warning, then hooked once it exists"
out=$(fw iptables --hooks DOCKER-USER ensure 2>&1)
echo "$out" | grep -q 'hook chain DOCKER-USER does not exist in the legacy IPv4 filter table' ||
    ab_fail "no warning for the missing chain: $out"
# What Docker does at its start: its chain, jumped to from the top of FORWARD.
for t in iptables-legacy ip6tables-legacy; do
    $t -w -N DOCKER-USER
    $t -w -I FORWARD 1 -j DOCKER-USER
done
fw iptables --hooks DOCKER-USER apply +198.51.100.2
iptables-legacy -S DOCKER-USER | sed -n 2p | grep -qx -- '-A DOCKER-USER -j ALERTBAN' ||
    ab_fail "DOCKER-USER not hooked: $(iptables-legacy -S DOCKER-USER)"
fw iptables --hooks DOCKER-USER flush

for backend in iptables nftables ipset auto; do
    echo "== $backend: hook DOCKER-USER"
    fw "$backend" --hooks DOCKER-USER reconcile
    all_open "before the ban"
    fw "$backend" --hooks DOCKER-USER apply +198.51.100.2
    expect 198.51.100.2 198.51.100.1 8080 timeout "banned, forwarded port"
    # Only forwarded traffic passes DOCKER-USER: the gateway's own port is another hook's.
    expect 198.51.100.2 198.51.100.1 8081 ok "banned, gateway's port (not behind DOCKER-USER)"
    expect 198.51.100.3 198.51.100.1 8080 ok "not banned, forwarded port"
    if [ "$backend" = nftables ]; then
        nft list chain inet alertban forward | grep -q 'hook forward priority filter - 10' ||
            ab_fail "no forward chain for DOCKER-USER"
    else
        iptables-legacy -S DOCKER-USER | sed -n 2p | grep -q -- '-A DOCKER-USER .*-j \(ALERTBAN\|DROP\)' ||
            ab_fail "DOCKER-USER does not start with ours: $(iptables-legacy -S DOCKER-USER)"
    fi
    fw "$backend" --hooks DOCKER-USER flush
done
for t in iptables-legacy ip6tables-legacy; do
    $t -w -D FORWARD -j DOCKER-USER
    [ -z "$($t -S DOCKER-USER | grep -v '^-N')" ] || ab_fail "flush left rules in DOCKER-USER"
    $t -w -X DOCKER-USER
done

# reject_both BACKEND HOOKS: the inner server and the gateway each hold a connection from
# the banned address (and the server one from the other address); after the ban their next
# write is answered with a reset.
reject_both() {
    backend=$1 hooks=$2
    echo "== $backend: reject, direction both, hooks $hooks: the servers' side gets a reset"
    f() { fw "$backend" --hooks "$hooks" --action reject --direction both "$@"; }
    f reconcile
    rm -f "$AB_TMP"/go "$AB_TMP"/ready-* "$AB_TMP"/out-*
    ip netns exec "$srv" python3 "$AB_TMP/hold.py" server 9000 "$AB_TMP/ready-s1" "$AB_TMP/go" "$TIMEOUT" \
        >"$AB_TMP/out-s1" &
    s1=$!
    ip netns exec "$srv" python3 "$AB_TMP/hold.py" server 9001 "$AB_TMP/ready-s2" "$AB_TMP/go" "$TIMEOUT" \
        >"$AB_TMP/out-s2" &
    s2=$!
    python3 "$AB_TMP/hold.py" server 9002 "$AB_TMP/ready-g" "$AB_TMP/go" "$TIMEOUT" \
        >"$AB_TMP/out-g" &
    g=$!
    ab_wait_for 30 test -s "$AB_TMP/ready-s1"
    ab_wait_for 30 test -s "$AB_TMP/ready-s2"
    ab_wait_for 30 test -s "$AB_TMP/ready-g"
    ip netns exec "$atk" python3 "$AB_TMP/hold.py" client 198.51.100.2 203.0.113.2 9000 &
    c1=$!
    ip netns exec "$atk" python3 "$AB_TMP/hold.py" client 198.51.100.3 203.0.113.2 9001 &
    c2=$!
    ip netns exec "$atk" python3 "$AB_TMP/hold.py" client 198.51.100.2 198.51.100.1 9002 &
    c3=$!
    ab_wait_for 30 grep -qx up "$AB_TMP/out-s1"
    ab_wait_for 30 grep -qx up "$AB_TMP/out-s2"
    ab_wait_for 30 grep -qx up "$AB_TMP/out-g"
    f apply +198.51.100.2
    touch "$AB_TMP/go"
    wait "$s1" "$s2" "$g" || true
    kill "$c1" "$c2" "$c3" 2>/dev/null || true
    wait "$c1" "$c2" "$c3" 2>/dev/null || true
    for pair in "s1:reset:inner server, forwarded connection of the banned address" \
        "g:reset:gateway's own connection of the banned address" \
        "s2:timeout:inner server, connection of the other address (no reply sent: still up)"; do
        name=${pair%%:*} rest=${pair#*:}
        want=${rest%%:*} what=${rest#*:}
        got=$(tail -n 1 "$AB_TMP/out-$name")
        case "$got" in
        "$want "*) echo "  $what: $got ms" ;;
        *) ab_fail "$what: expected $want, got $got" ;;
        esac
    done
    f flush
}
# (The other address's client sends nothing after the first line, so its server's read
# waits the whole timeout: the connection is up, not reset.)
for backend in iptables nftables ipset; do
    reject_both "$backend" INPUT,FORWARD
    reject_both "$backend" PREROUTING
done
echo "PASS"
