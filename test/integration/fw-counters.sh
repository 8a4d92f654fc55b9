#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What the bans dropped, read from the kernel's counters (fw_counters.h), for the iptables,
# ipset and nftables backends: a client namespace joined to ours by a veth pair pings from a
# banned and an unbanned address of each family; the counter of that family and hook rises by
# exactly the pings from the banned one (bytes: 84 per IPv4 echo request, 104 per IPv6 one),
# nothing else moves, through hooks INPUT and PREROUTING. nftables: a table made without
# counters (an older version) gets them at the next reconcile, counted as a repair, and a
# rewrite of the chains carries the counts over. Then reads in a thread beside a main loop
# committing batches (counters-busy), for every backend.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/netns.sh"

FWCTL="$AB_BUILD/test/fwctl"
[ -x "$FWCTL" ] || ab_fail "$FWCTL is not built"
command -v nft >/dev/null || ab_fail "nft is missing (scripts/setup installs it)"

ns="ab-fwc-$$"
in_ns() { ip netns exec "$ns" "$@"; }
ab_peer "$ns" ab-srv ab-cli "192.0.2.1/24 2001:db8::1/64" \
    "192.0.2.2/24 192.0.2.3/24 2001:db8::2/64 2001:db8::3/64"
# Fixed neighbours both ways: a neighbour solicitation from a banned IPv6 address would be
# dropped and counted too, and the counts must be the pings alone.
mac() { awk '$1 == "link/ether" { print $2 }'; }
srv_mac=$(ip link show dev ab-srv | mac)
cli_mac=$(in_ns ip link show dev ab-cli | mac)
for a in 192.0.2.2 192.0.2.3 2001:db8::2 2001:db8::3; do
    ip neigh replace "$a" lladdr "$cli_mac" dev ab-srv nud permanent
done
for a in 192.0.2.1 2001:db8::1; do
    in_ns ip neigh replace "$a" lladdr "$srv_mac" dev ab-cli nud permanent
done

# pings SRC DST N: N echo requests, 0.2 s apart, waiting 1 s for the last answer.
pings() { in_ns ping -q -n -c "$3" -i 0.2 -W 1 -I "$1" "$2" >/dev/null 2>&1; }

# count FAMILY HOOK: "PACKETS BYTES" of that line of `fwctl counters`.
count() {
    fw counters >"$AB_TMP/counters" || ab_fail "fwctl counters failed"
    line=$(grep "^$1 $2 " "$AB_TMP/counters") || {
        cat "$AB_TMP/counters" >&2
        ab_fail "no counter for $1 $2"
    }
    echo "${line#"$1 $2 "}"
}

# expect FAMILY HOOK PACKETS BYTES
expect() {
    got=$(count "$1" "$2")
    [ "$got" = "$3 $4" ] || ab_fail "$BACKEND $HOOKS: $1 $2: expected $3 packets $4 bytes, got $got"
    echo "  $1 $2: $got"
}

# case BACKEND HOOK (INPUT or PREROUTING)
check() {
    BACKEND=$1 HOOKS=$2
    hook=$(echo "$HOOKS" | tr 'A-Z' 'a-z')
    fw() { "$FWCTL" --backend "$BACKEND" --lock "$XTABLES_LOCKFILE" --hooks "$HOOKS" "$@"; }
    echo "== $BACKEND, hook $HOOKS"
    fw reconcile
    pings 192.0.2.2 192.0.2.1 1 || ab_fail "ping from 192.0.2.2 before the ban"
    pings 2001:db8::2 2001:db8::1 1 || ab_fail "ping from 2001:db8::2 before the ban"
    expect ipv4 "$hook" 0 0
    expect ipv6 "$hook" 0 0
    fw apply +192.0.2.2 +2001:db8::2

    # Unbanned addresses: they pass, and nothing is counted.
    pings 192.0.2.3 192.0.2.1 3 || ab_fail "ping from unbanned 192.0.2.3"
    pings 2001:db8::3 2001:db8::1 3 || ab_fail "ping from unbanned 2001:db8::3"
    expect ipv4 "$hook" 0 0
    expect ipv6 "$hook" 0 0

    # 7 IPv4 echo requests of 84 bytes (20 IP + 8 ICMP + 56 data), none answered.
    if pings 192.0.2.2 192.0.2.1 7; then ab_fail "ping from banned 192.0.2.2 got through"; fi
    expect ipv4 "$hook" 7 588
    expect ipv6 "$hook" 0 0
    # 5 IPv6 echo requests of 104 bytes (40 + 8 + 56).
    if pings 2001:db8::2 2001:db8::1 5; then ab_fail "ping from banned 2001:db8::2 got through"; fi
    expect ipv4 "$hook" 7 588
    expect ipv6 "$hook" 5 520

    # A reconcile that changes nothing leaves the counts alone.
    fw reconcile 192.0.2.2 2001:db8::2
    expect ipv4 "$hook" 7 588
    expect ipv6 "$hook" 5 520

    # What lifted bans dropped stays counted by the handle that lifted them (the iptables
    # backend's rules go with the bans): 100 bans added and removed beside 192.0.2.2 (more
    # than 64 removals: the chain is rebuilt, the kept rule copied with its counts), then
    # its own unban, each followed by a read in the same process; a flush, which removes
    # every rule and set of ours, ends the counts in every backend.
    fw apply +seq:198.18.0.0:100 apply -seq:198.18.0.0:100 counters \
        apply -192.0.2.2 -2001:db8::2 counters flush counters >"$AB_TMP/lifted"
    for n in 1 2 3; do
        want4="7 588" want6="5 520"
        [ "$n" -lt 3 ] || want4="0 0" want6="0 0"
        got=$(grep "^ipv4 $hook " "$AB_TMP/lifted" | sed -n "${n}p")
        [ "$got" = "ipv4 $hook $want4" ] || ab_fail "$BACKEND $HOOKS: read $n after unbans: $got"
        got=$(grep "^ipv6 $hook " "$AB_TMP/lifted" | sed -n "${n}p")
        [ "$got" = "ipv6 $hook $want6" ] || ab_fail "$BACKEND $HOOKS: read $n after unbans: $got"
    done
    echo "  after 100 unbans and its own: ipv4 7 588, ipv6 5 520; after a flush: 0 0"
}

for backend in iptables ipset nftables; do
    for hooks in INPUT PREROUTING; do
        check "$backend" "$hooks"
    done
done

echo "== nftables: a table without counters (an older version's) gets them"
BACKEND=nftables HOOKS=INPUT
fw() { "$FWCTL" --backend nftables --hooks INPUT "$@"; }
fw reconcile 192.0.2.2 2001:db8::2
nft flush chain inet alertban input
nft add rule inet alertban input ip saddr @ban4 goto verdict
nft add rule inet alertban input ip saddr @net4 goto verdict
nft add rule inet alertban input ip6 saddr @ban6 goto verdict
nft add rule inet alertban input ip6 saddr @net6 goto verdict
if nft list chain inet alertban input | grep -q counter; then
    ab_fail "the old layout has counters"
fi
if pings 192.0.2.2 192.0.2.1 2; then ab_fail "ping from banned 192.0.2.2 got through"; fi
expect ipv4 input 0 0
out=$(fw --stats reconcile 192.0.2.2 2001:db8::2 | grep '^reconcile added')
case "$out" in
*" hooks_fixed=0"*) ab_fail "counters added without a repair counted: $out" ;;
esac
echo "  $out"
[ "$(nft list chain inet alertban input | grep -c 'counter packets')" = 4 ] ||
    ab_fail "the reconcile did not add 4 counters: $(nft list chain inet alertban input)"
if pings 192.0.2.2 192.0.2.1 3; then ab_fail "ping from banned 192.0.2.2 got through"; fi
expect ipv4 input 3 252
out=$(fw --stats reconcile 192.0.2.2 2001:db8::2 | grep '^reconcile added')
case "$out" in
*" hooks_fixed=0"*) ;;
*) ab_fail "a second reconcile found more to repair: $out" ;;
esac
# A rule changed by hand makes the reconcile rewrite every chain: the counts go on.
nft add rule inet alertban input ip saddr 192.0.2.99 drop
out=$(fw --stats reconcile 192.0.2.2 2001:db8::2 | grep '^reconcile added')
case "$out" in
*" hooks_fixed=0"*) ab_fail "the rule made by hand was not found: $out" ;;
esac
expect ipv4 input 3 252
if pings 192.0.2.2 192.0.2.1 2; then ab_fail "ping from banned 192.0.2.2 got through"; fi
expect ipv4 input 5 420
fw flush

echo "== reads in a thread while the main loop commits, 192.0.2.2 pinging all along"
# 192.0.2.2 is banned and unbanned with every other batch while it sends a ping every 5 ms:
# no read fails, no count ever goes down (iptables: each unban retires its rule's count),
# and the last read, after the last unban, still holds what the bans dropped.
for backend in iptables ipset nftables; do
    in_ns ping -q -n -i 0.005 -w 60 -I 192.0.2.2 192.0.2.1 >/dev/null 2>&1 &
    pinger=$!
    out=$("$FWCTL" --backend "$backend" --lock "$XTABLES_LOCKFILE" --hooks INPUT,PREROUTING \
        --direction both counters-busy 200 192.0.2.2 flush) || ab_fail "$backend: counters-busy failed"
    kill "$pinger"
    wait "$pinger" 2>/dev/null || true
    echo "  $backend: $out"
    case "$out" in
    *" packets=0") ab_fail "$backend: nothing counted while 192.0.2.2 was banned half the time" ;;
    esac
done
echo "ok"
