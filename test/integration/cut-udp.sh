#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A ban cuts a UDP flow: a SIP-like server on port 5060 in our namespace (running alertband,
# below an early "ESTABLISHED,RELATED accept"), an attacker and an innocent peer in another
# namespace, each sending a datagram every 20 ms from port 5060 and getting each echoed.
# Each flow has an established conntrack entry, so without the cut the early accept would keep
# letting the banned flow in. After the alert: the attacker's entry is gone (counted on the
# ban line), no new one is confirmed while it keeps sending, and the server stops receiving
# from it; the innocent flow goes on.
# AB_BACKEND=nftables runs it against the nftables backend (cut-udp-nft.sh).
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
. "$(dirname "$0")/lib/netns.sh"
BACKEND=${AB_BACKEND:-iptables}
# The interpreter itself, not a version manager's shim (pyenv's takes seconds to start).
PYTHON=$(command -v /usr/bin/python3 || command -v python3) ||
    ab_fail "python3 is missing (scripts/setup installs it)"
BOUND=5

ns="ab-cutu-$$"
ab_peer "$ns" ab-srv ab-cli 192.0.2.1/24 "192.0.2.2/24 192.0.2.3/24"

# The server: echoes every datagram and keeps, per source address, a count in COUNTS.
"$PYTHON" - "$AB_TMP/counts" <<'EOF' &
import socket, sys
counts = {}
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.1", 5060))
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(data, peer)
    counts[peer[0]] = counts.get(peer[0], 0) + 1
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write("".join("%s %d\n" % kv for kv in sorted(counts.items())))
    import os
    os.replace(sys.argv[1] + ".tmp", sys.argv[1])
EOF
ab_on_exit "kill $!"

: >"$AB_LOG"
ab_write_config "verify_interval = 0
cut = yes"
ab_start -v
if [ "$BACKEND" = nftables ]; then
    nft add table inet host
    nft add chain inet host input '{ type filter hook input priority filter - 10; policy accept; }'
    nft add rule inet host input ct state established,related accept
else
    iptables-legacy -w -I INPUT 1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
fi

# The peers: a datagram every 20 ms for 30 s at most (they stop when STOP appears).
for src in 192.0.2.2 192.0.2.3; do
    ip netns exec "$ns" "$PYTHON" - "$src" "$AB_TMP/stop" <<'EOF' &
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 5060))
s.setblocking(False)
end = time.monotonic() + 30
while time.monotonic() < end and not os.path.exists(sys.argv[2]):
    s.sendto(b"OPTIONS sip:probe SIP/2.0\r\n", ("192.0.2.1", 5060))
    try:
        while s.recv(2048):
            pass
    except OSError:
        pass
    time.sleep(0.02)
EOF
    ab_on_exit "kill $! 2>/dev/null"
done
ab_on_exit "touch $AB_TMP/stop"

received() { sed -n "s/^$1 //p" "$AB_TMP/counts" 2>/dev/null | grep . || echo 0; }
more_than() { [ "$(received "$1")" -gt "$2" ]; }
# An entry that has seen both directions (no [UNREPLIED]): the established flow.
entry() { grep "udp .* src=$1 dst=192.0.2.1 sport=5060 dport=5060 " /proc/net/nf_conntrack | grep -vc UNREPLIED || true; }
# Entries the attacker's datagrams opened (its address first in the original direction).
any_entry() { grep -cE "^ipv4 +2 +udp +17 +[0-9]+ src=$1 " /proc/net/nf_conntrack || true; }
no_entry() { [ "$(any_entry "$1")" -eq 0 ]; }
ab_wait_for 10 more_than 192.0.2.2 10
ab_wait_for 10 more_than 192.0.2.3 10
[ "$(entry 192.0.2.2)" -eq 1 ] || ab_fail "no established entry of the attacker's flow: $(cat /proc/net/nf_conntrack)"

snort2_line 2001219 "SIP flood" 192.0.2.2 5060 192.0.2.1 5060 >>"$AB_LOG"
ab_wait_for "$BOUND" grep -q 'ban addr=192.0.2.2 ' "$AB_DAEMON_LOG"
ab_wait_for "$BOUND" no_entry 192.0.2.2
grep -q 'ban addr=192.0.2.2 .* cut_conntrack=1 cut_sockets=0$' "$AB_DAEMON_LOG" ||
    ab_fail "ban line: $(grep 'ban addr=192.0.2.2' "$AB_DAEMON_LOG")"
# The server's echo of a datagram still queued at the cut may open an entry the other way,
# through which the early accept would let the flow back in: the daemon cuts the new bans
# once more half a second later (-v logs it; on a loaded machine it can come later still).
# After that the attacker keeps sending for a second: no entry of either direction comes
# back, and nothing more reaches the server.
ab_wait_for "$BOUND" grep -q 'cut: again bans=' "$AB_DAEMON_LOG"
sleep 0.5
before=$(received 192.0.2.2)
other=$(received 192.0.2.3)
sleep 1
no_entry 192.0.2.2 || ab_fail "the attacker's flow has an entry again: $(grep 'src=192.0.2.2 ' /proc/net/nf_conntrack)"
! grep -q "src=192.0.2.2 " /proc/net/nf_conntrack ||
    ab_fail "an entry involving the attacker is left: $(grep 'src=192.0.2.2 ' /proc/net/nf_conntrack)"
[ "$(received 192.0.2.2)" -eq "$before" ] || ab_fail "the banned flow still reaches the server"
more_than 192.0.2.3 $((other + 10)) || ab_fail "the innocent flow stopped"
[ "$(entry 192.0.2.3)" -eq 1 ] || ab_fail "the innocent flow lost its entry"
touch "$AB_TMP/stop"
ab_stop
echo "PASS"
