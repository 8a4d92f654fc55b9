#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# IPv6 prefix bans ([policy] ipv6_prefix = 64), with real packets: alerts from two addresses
# of one /64 end in one ban, of the /64, installed as one rule, shown as the /64 by list and
# by show of either address, and both addresses' TCP connections stop; an address of another
# /64 still connects. A /64 holding a whitelisted address is never banned: its offender is
# banned alone.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
. "$(dirname "$0")/lib/netns.sh"

PROBE="$AB_SRC/test/integration/lib/tcpprobe.py"
TIMEOUT=1
atk="ab-p6-$$"
ab_peer "$atk" ab-p6 ab-p6-atk 2001:db8::1/32 \
    "2001:db8:1::2/32 2001:db8:1::3/32 2001:db8:2::2/32 2001:db8:3::2/32"
python3 "$PROBE" serve 8080 "$AB_TMP/ready" &
ab_on_exit "kill $!"
ab_wait_for 10 test -s "$AB_TMP/ready"
probe() { ip netns exec "$atk" python3 "$PROBE" probe "$1" 2001:db8::1 8080 "$TIMEOUT"; }
expect() { # SRC OUTCOME
    got=$(probe "$1")
    case "$got" in
    "$2 "*) echo "  $1: $got ms" ;;
    *) ab_fail "TCP from $1: expected $2, got $got" ;;
    esac
}
for a in 2001:db8:1::2 2001:db8:1::3 2001:db8:2::2; do
    ab_wait_for 10 sh -c "ip netns exec $atk python3 $PROBE probe $a 2001:db8::1 8080 1 | grep -q '^ok '"
done

ab_write_config "
[policy]
ban_time = 1h
ipv6_prefix = 64

[whitelist]
address = 2001:db8:3::5"
ab_start

echo "== two addresses of one /64: one ban, of the /64"
snort2_line 2001219 "ET SCAN Potential SSH Scan" 2001:db8:1::2 40001 2001:db8::1 22 >>"$AB_LOG"
ab_wait_for 10 ab_kernel_has 2001:db8:1::/64
snort2_line 2001219 "ET SCAN Potential SSH Scan" 2001:db8:1::3 40002 2001:db8::1 22 >>"$AB_LOG"
# Both alerts were taken (the second counted into the ban), and the table holds one ban.
ab_wait_for 10 sh -c "'$ALERTBAN' status -c '$AB_CONF' --json | jq -e '.alerts.parsed == 2' >/dev/null"
[ "$(ab_list_addrs)" = "2001:db8:1::/64" ] || ab_fail "list: $(ab_list_addrs)"
[ "$(ab_kernel_bans)" = "2001:db8:1::/64" ] || ab_fail "kernel: $(ab_kernel_bans)"
for a in 2001:db8:1::2 2001:db8:1::3; do
    abctl show --json "$a" | jq -e '.ban.addr == "2001:db8:1::/64"' >/dev/null ||
        ab_fail "show $a: $(abctl show --json "$a")"
done
grep -q 'ban addr=2001:db8:1::/64 ' "$AB_DAEMON_LOG" || ab_fail "no ban line for the /64"
expect 2001:db8:1::2 timeout
expect 2001:db8:1::3 timeout
expect 2001:db8:2::2 ok

echo "== a /64 holding a whitelisted address: the offender alone"
snort2_line 2001219 "ET SCAN Potential SSH Scan" 2001:db8:3::2 40003 2001:db8::1 22 >>"$AB_LOG"
ab_wait_for 10 ab_kernel_has 2001:db8:3::2
ab_kernel_lacks 2001:db8:3::/64 || ab_fail "a /64 holding a whitelisted address was banned"
expect 2001:db8:3::2 timeout
ab_stop
echo "PASS"
