#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark of the set backends (nftables, ipset) in a private network namespace (run as root through
# scripts/bench sets): the time to install 10,000 / 100,000 / 1,000,000 bans in one apply,
# reconcile with 100,000 present, the per-packet cost of INPUT with 0 and 100,000 bans (a UDP
# flood between two namespaces, beside the iptables backend's linear chain for contrast),
# the backend's peak RSS and the kernel's memory per ban, and callgrind instruction counts.
# Medians throughout.
#
# IPv4 bans come from 198.18.0.0/15, which holds 131,072 addresses, so the 1,000,000 run
# uses IPv6 addresses from 2001:db8::/32 (shown for 10,000 and 100,000 as well).
#
# Environment: SETS_BENCH_BACKENDS ("nftables ipset"), SETS_BENCH_REPS (5),
# SETS_BENCH_ROUNDS (9, of the flood), SETS_BENCH_PACKETS (200000), SETS_BENCH_CALLGRIND=0 to
# skip valgrind.
set -eu
. "$(dirname "$0")/../integration/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/../integration/lib/netns.sh"

FWCTL="$AB_BUILD/test/fwctl"
FLOOD="$AB_BUILD/test/bench-udpflood"
[ -x "$FWCTL" ] && [ -x "$FLOOD" ] || ab_fail "fwctl or bench-udpflood is not built"
command -v nft >/dev/null || ab_fail "nft is missing (scripts/setup installs nftables)"
BACKENDS=${SETS_BENCH_BACKENDS:-nftables ipset}
REPS=${SETS_BENCH_REPS:-5}
PACKETS=${SETS_BENCH_PACKETS:-200000}

nftctl() { "$FWCTL" --backend nftables "$@" 2>>"$AB_TMP/warnings"; }
ipsctl() { "$FWCTL" --backend ipset --lock "$XTABLES_LOCKFILE" "$@" 2>>"$AB_TMP/warnings"; }
B=nftables # the backend of the install and reconcile runs
setctl() { "$FWCTL" --backend "$B" --lock "$XTABLES_LOCKFILE" "$@" 2>>"$AB_TMP/warnings"; }
iptctl() { "$FWCTL" --backend iptables --lock "$XTABLES_LOCKFILE" "$@" 2>>"$AB_TMP/warnings"; }

# field NAME OP < stats: the values of NAME= on the lines of operation OP.
field() {
    awk -v name="$1" -v op="$2" '$1 == op { for (i = 2; i <= NF; i++) { split($i, kv, "=");
        if (kv[1] == name) print kv[2] } }'
}
median() {
    sort -n | awk '{ v[NR] = $1 } END { i = int(0.5 * NR + 0.999999); if (i < 1) i = 1; print v[i] }'
}
slab_kb() { awk '/^Slab:/ { s = $2 } /^VmallocUsed:/ { v = $2 } END { print s + v }' /proc/meminfo; }

echo "alertban sets benchmark: $(uname -r), $(nproc) CPUs, $(nft -v), $(ipset version | head -1)"

for B in $BACKENDS; do
echo
echo "== install N bans in one apply ($B, timeout 1h each; $REPS runs, median)"
printf '%-28s %12s %14s %14s %16s\n' bans apply_ms bans_per_s peak_rss_kb kernel_B_per_ban
install() { # LABEL OPERAND N
    : >"$AB_TMP/t"
    : >"$AB_TMP/rss"
    : >"$AB_TMP/kmem"
    i=0
    while [ "$i" -lt "$REPS" ]; do
        setctl flush
        setctl ensure
        sync
        k0=$(slab_kb)
        /usr/bin/time -f '%M' -o "$AB_TMP/rss1" "$FWCTL" --backend "$B" --lock "$XTABLES_LOCKFILE" \
            --stats --timeout 3600 apply "$2" 2>>"$AB_TMP/warnings" | field duration_us apply \
            >>"$AB_TMP/t"
        k1=$(slab_kb)
        cat "$AB_TMP/rss1" >>"$AB_TMP/rss"
        if [ "$B" = ipset ]; then
            # The sets' own figure: the hash's buckets do not all show in Slab.
            bytes=$(ipset list -t | awk '/^Size in memory:/ { s += $4 } END { print s }')
            echo $((bytes / $3)) >>"$AB_TMP/kmem"
        else
            echo $(((k1 - k0) * 1024 / $3)) >>"$AB_TMP/kmem"
        fi
        i=$((i + 1))
    done
    us=$(median <"$AB_TMP/t")
    printf '%-28s %12s %14s %14s %16s\n' "$1" "$((us / 1000))" "$(($3 * 1000000 / us))" \
        "$(median <"$AB_TMP/rss")" "$(median <"$AB_TMP/kmem")"
}
/usr/bin/time -f '%M' -o "$AB_TMP/rss0" "$FWCTL" --backend "$B" list >/dev/null 2>&1
echo "(fwctl with no bans: peak RSS $(cat "$AB_TMP/rss0") kB)"
install "10,000 IPv4" "+seq:198.18.0.0:10000" 10000
install "100,000 IPv4" "+seq:198.18.0.0:100000" 100000
install "10,000 IPv6" "+seq:2001:db8:::10000" 10000
install "100,000 IPv6" "+seq:2001:db8:::100000" 100000
install "1,000,000 IPv6" "+seq:2001:db8:::1000000" 1000000
setctl flush

echo
echo "== reconcile with 100,000 IPv4 bans present ($B, $REPS runs, median)"
setctl --timeout 3600 apply +seq:198.18.0.0:100000
: >"$AB_TMP/same"
: >"$AB_TMP/fix"
i=0
while [ "$i" -lt "$REPS" ]; do
    setctl --stats --timed --timeout 3600 reconcile seq:198.18.0.0:100000 |
        field duration_us reconcile >>"$AB_TMP/same"
    # The last 1,000 installed are no longer wanted, 1,000 others are: one repair batch.
    setctl --stats --timed --timeout 3600 reconcile seq:198.18.0.0:99000 seq:198.19.200.0:1000 |
        field duration_us reconcile >>"$AB_TMP/fix"
    setctl --timeout 3600 apply +seq:198.18.0.0:100000 -seq:198.19.200.0:1000
    i=$((i + 1))
done
echo "nothing to change:              median $(( $(median <"$AB_TMP/same") / 1000 )) ms"
echo "1,000 to add and 1,000 to drop: median $(( $(median <"$AB_TMP/fix") / 1000 )) ms"
setctl flush
done

echo
echo "== per-packet cost of INPUT: a UDP flood of $PACKETS datagrams between namespaces"
ns="ab-bench-$$"
ab_peer "$ns" ab-srv ab-cli 192.0.2.1/24 192.0.2.2/24
# A bound socket nobody reads: every datagram goes through INPUT and is dropped at the full
# socket queue, the same work with or without bans.
python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("192.0.2.1", 9999))
open("'"$AB_TMP"'/ready", "w").write("up")
time.sleep(3600)' &
ab_on_exit "kill $!"
ab_wait_for 10 test -s "$AB_TMP/ready"
ab_wait_for 10 ip netns exec "$ns" ping -c 1 -W 1 192.0.2.1
# One flood, its wall and CPU ns per packet appended to $AB_TMP/wall.KEY and cpu.KEY.
flood_once() { # KEY
    ip netns exec "$ns" "$FLOOD" 192.0.2.2 192.0.2.1 9999 "$PACKETS" >"$AB_TMP/f"
    field wall_ns_per_packet "packets=$PACKETS" <"$AB_TMP/f" >>"$AB_TMP/wall.$1"
    field cpu_ns_per_packet "packets=$PACKETS" <"$AB_TMP/f" >>"$AB_TMP/cpu.$1"
}
# The configurations take turns within each round, so drift in the machine's load (two
# shared cores) spreads over all of them instead of favouring one.
ROUNDS=${SETS_BENCH_ROUNDS:-9}
r=0
while [ "$r" -lt "$ROUNDS" ]; do
    nftctl flush
    flood_once none
    nftctl ensure
    flood_once nft0
    nftctl --timeout 3600 apply +seq:198.18.0.0:100000
    flood_once nft100k
    nftctl --timeout 3600 apply +seq:2001:db8:::1000000
    flood_once nft1100k
    nftctl flush
    ipsctl ensure
    flood_once ips0
    ipsctl --timeout 3600 apply +seq:198.18.0.0:100000
    flood_once ips100k
    ipsctl --timeout 3600 apply +seq:2001:db8:::1000000
    flood_once ips1100k
    ipsctl flush
    iptctl ensure
    flood_once ipt0
    iptctl apply +seq:198.18.0.0:1000
    flood_once ipt1k
    iptctl apply +seq:198.18.4.0:9000
    flood_once ipt10k
    iptctl flush
    r=$((r + 1))
done
printf '%-44s %10s %10s\n' "firewall ($ROUNDS rounds, median)" wall_ns cpu_ns
for k in "none:no firewall rules" "nft0:nftables, 0 bans" "nft100k:nftables, 100,000 IPv4 bans" \
    "nft1100k:nftables, 100,000 IPv4 + 1,000,000 IPv6" "ips0:ipset, 0 bans" \
    "ips100k:ipset, 100,000 IPv4 bans" "ips1100k:ipset, 100,000 IPv4 + 1,000,000 IPv6" \
    "ipt0:iptables, 0 rules" \
    "ipt1k:iptables, 1,000 rules" "ipt10k:iptables, 10,000 rules"; do
    printf '%-44s %10s %10s\n' "${k#*:}" "$(median <"$AB_TMP/wall.${k%%:*}")" \
        "$(median <"$AB_TMP/cpu.${k%%:*}")"
done

if [ "${SETS_BENCH_CALLGRIND:-1}" = 1 ] && command -v valgrind >/dev/null; then
    echo
    echo "== instructions (callgrind, whole fwctl process): one apply of 10,000 IPv4 bans"
    for B in $BACKENDS; do
        for n in 0 10000; do
            setctl flush
            setctl ensure
            if [ "$n" -eq 0 ]; then op=list; else op="apply +seq:198.18.0.0:$n"; fi
            # shellcheck disable=SC2086
            valgrind --tool=callgrind --callgrind-out-file="$AB_TMP/cg" "$FWCTL" --backend "$B" \
                --lock "$XTABLES_LOCKFILE" --timeout 3600 $op >/dev/null 2>"$AB_TMP/cg.err"
            ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$AB_TMP/cg.err")
            echo "$B, $n bans: $ir instructions"
        done
        setctl flush
    done
fi
