#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Real packets through the backend's rules: a client namespace joined to ours by a veth pair
# holds two addresses per family. Once one is banned, its new TCP connections and pings stop
# (reject: a reset at once; drop: a timeout), its established connection is cut, the other
# address is unaffected, and everything flows again after the unban. IPv4 and IPv6.
# AB_FW_BACKEND=nftables runs it against the nftables backend (fw-nft-packets.sh), ipset
# against the ipset backend (fw-ipset-packets.sh).
set -eu
BACKEND=${AB_FW_BACKEND:-iptables}
export AB_FW_BACKEND=$BACKEND
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/netns.sh"

FWCTL="$AB_BUILD/test/fwctl"
PROBE="$AB_SRC/test/integration/lib/tcpprobe.py"
[ -x "$FWCTL" ] || ab_fail "$FWCTL is not built"
command -v python3 >/dev/null || ab_fail "python3 is missing (scripts/setup installs it)"
PORT=8080
TIMEOUT=1 # seconds a dropped connection attempt waits

ns="ab-fw-$$"
in_ns() { ip netns exec "$ns" "$@"; }
ab_peer "$ns" ab-srv ab-cli "192.0.2.1/24 2001:db8::1/64" \
    "192.0.2.2/24 192.0.2.3/24 2001:db8::2/64 2001:db8::3/64"

# The conntrack accept a real host has, below which our jump must sit to cut open connections.
if [ "$BACKEND" = nftables ]; then
    # The host's own nftables rules at the usual filter priority; ours run before them.
    nft add table inet host
    nft add chain inet host input '{ type filter hook input priority filter; policy accept; }'
    nft add rule inet host input ct state established,related accept
else
    iptables-legacy -w -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    ip6tables-legacy -w -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
fi

python3 "$PROBE" serve "$PORT" "$AB_TMP/ready" &
ab_on_exit "kill $!"
ab_wait_for 10 test -s "$AB_TMP/ready"

# probe SRC DST: prints "outcome ms".
probe() { in_ns python3 "$PROBE" probe "$1" "$2" "$PORT" "$TIMEOUT"; }
expect_probe() { # SRC DST OUTCOME [MAX_MS]
    got=$(probe "$1" "$2")
    set -- "$@" "${4:-100000}"
    case "$got" in
    "$3 "*) ;;
    *) ab_fail "TCP $1 -> $2: expected $3, got $got" ;;
    esac
    ms=${got#* }
    [ "$ms" -le "$4" ] || ab_fail "TCP $1 -> $2: $3 took $ms ms (limit $4)"
    echo "  tcp $1 -> $2: $got ms"
}
ping_ok() { in_ns ping -q -n -c 1 -W "$TIMEOUT" -I "$1" "$2" >/dev/null 2>&1; }

# The neighbours resolve before the first timed probe.
ab_wait_for 10 ping_ok 192.0.2.2 192.0.2.1
ab_wait_for 10 ping_ok 2001:db8::2 2001:db8::1

# case ACTION SERVER BANNED OTHER
check() {
    action=$1 srv=$2 bad=$3 good=$4
    echo "== $action: $bad banned, $good not"
    fw() { "$FWCTL" --backend "$BACKEND" --lock "$XTABLES_LOCKFILE" --action "$action" "$@"; }
    fw reconcile
    expect_probe "$bad" "$srv" ok
    ping_ok "$bad" "$srv" || ab_fail "ping from $bad before the ban"

    # (The previous case's files must not answer for this one.)
    rm -f "$AB_TMP/go" "$AB_TMP/hold"
    in_ns python3 "$PROBE" hold "$bad" "$srv" "$PORT" "$AB_TMP/go" "$TIMEOUT" >"$AB_TMP/hold" &
    hold=$!
    ab_wait_for 10 grep -qx up "$AB_TMP/hold"

    fw apply "+$bad"
    touch "$AB_TMP/go"
    wait "$hold" || true
    held=$(tail -n 1 "$AB_TMP/hold")
    if [ "$action" = reject ]; then
        case "$held" in reset*) ;; *) ab_fail "established connection after the ban: $held" ;; esac
        expect_probe "$bad" "$srv" refused 300
    else
        case "$held" in timeout*) ;; *) ab_fail "established connection after the ban: $held" ;; esac
        expect_probe "$bad" "$srv" timeout
    fi
    echo "  established connection: $held ms"
    if ping_ok "$bad" "$srv"; then ab_fail "ping from banned $bad got through"; fi
    expect_probe "$good" "$srv" ok 300
    ping_ok "$good" "$srv" || ab_fail "ping from $good failed while only $bad is banned"

    fw apply "-$bad"
    expect_probe "$bad" "$srv" ok 300
    ping_ok "$bad" "$srv" || ab_fail "ping from $bad after the unban"
}

check reject 192.0.2.1 192.0.2.2 192.0.2.3
check drop 192.0.2.1 192.0.2.2 192.0.2.3
check reject 2001:db8::1 2001:db8::2 2001:db8::3
check drop 2001:db8::1 2001:db8::2 2001:db8::3

echo "== direction both: packets to the banned address stop too"
both() {
    "$FWCTL" --backend "$BACKEND" --lock "$XTABLES_LOCKFILE" --action reject --direction both "$@"
}
both reconcile 192.0.2.2 2001:db8::2
for pair in "192.0.2.1 192.0.2.2 192.0.2.3" "2001:db8::1 2001:db8::2 2001:db8::3"; do
    set -- $pair
    if ping -q -n -c 1 -W "$TIMEOUT" -I "$1" "$2" >/dev/null 2>&1; then
        ab_fail "ping to banned $2 got out"
    fi
    ping -q -n -c 1 -W "$TIMEOUT" -I "$1" "$3" >/dev/null 2>&1 || ab_fail "ping to $3 failed"
done
both apply -192.0.2.2 -2001:db8::2
ping -q -n -c 1 -W "$TIMEOUT" 192.0.2.2 >/dev/null 2>&1 || ab_fail "ping to 192.0.2.2 after unban"
ping -q -n -c 1 -W "$TIMEOUT" 2001:db8::2 >/dev/null 2>&1 || ab_fail "ping to 2001:db8::2 after unban"

both flush
if [ "$BACKEND" = nftables ]; then
    [ "$(nft list tables)" = "table inet host" ] || ab_fail "flush left: $(nft list tables)"
else
    [ -z "$(iptables-legacy -S | grep ALERTBAN)" ] || ab_fail "flush left IPv4 rules"
    [ -z "$(ip6tables-legacy -S | grep ALERTBAN)" ] || ab_fail "flush left IPv6 rules"
fi
if [ "$BACKEND" = ipset ]; then
    [ -z "$(ipset list -n)" ] || ab_fail "flush left sets: $(ipset list -n)"
fi
echo "PASS"
