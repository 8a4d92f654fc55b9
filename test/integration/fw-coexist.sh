#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Coexistence through the xtables lock: while the backend commits thousands of bans in
# batches, another program edits INPUT with iptables-legacy -w (the same lock file). Without
# the lock one side's whole-table replace silently undoes the other's; with it, both sides
# end with exactly the rules they expect.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"

FWCTL="$AB_BUILD/test/fwctl"
[ -x "$FWCTL" ] || ab_fail "$FWCTL is not built"

# field_sum NAME < stats: the sum of NAME= over all lines.
field_sum() {
    awk -v name="$1" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == name) s += kv[2] } }
        END { print s + 0 }'
}

# addr I: the I-th address of 198.18.0.0/15.
addr() { echo "198.18.$(($1 / 256)).$(($1 % 256))"; }

# The other program: adds its rule i, deletes rule i-1, in INPUT of both families, until told
# to stop (or 3000 rounds). Its last complete round is recorded after each.
other() {
    i=0
    while [ ! -e "$AB_TMP/stop" ] && [ "$i" -lt 3000 ]; do
        i=$((i + 1))
        a="203.0.113.$((i % 250 + 1))"
        p="203.0.113.$(((i - 1) % 250 + 1))"
        iptables-legacy -w 10 -A INPUT -s "$a" -p tcp --dport 22 -j ACCEPT
        ip6tables-legacy -w 10 -A INPUT -s "2001:db8:ffff::$i" -j ACCEPT
        if [ "$i" -gt 1 ]; then
            iptables-legacy -w 10 -D INPUT -s "$p" -p tcp --dport 22 -j ACCEPT
            ip6tables-legacy -w 10 -D INPUT -s "2001:db8:ffff::$((i - 1))" -j ACCEPT
        fi
        echo "$i" >"$AB_TMP/other.last"
    done
}

"$FWCTL" --lock "$XTABLES_LOCKFILE" ensure
other &
other_pid=$!
ab_on_exit "kill $other_pid"
ab_wait_for 10 test -s "$AB_TMP/other.last"

# Ours: 10,000 IPv4 bans in 100 batches of 100 (each with one IPv6 ban), then 2,000 unbans:
# 20 batches of 50 (deleted by number) and 2 of 500 (the chain is rebuilt).
set -- --stats --lock "$XTABLES_LOCKFILE" --lock-timeout 20000
b=0
while [ "$b" -lt 100 ]; do
    set -- "$@" apply "+seq:$(addr $((b * 100))):100" "+2001:db8::$((b + 1))"
    b=$((b + 1))
done
b=0
while [ "$b" -lt 20 ]; do
    set -- "$@" apply "-seq:$(addr $((b * 50))):50"
    b=$((b + 1))
done
set -- "$@" apply "-seq:$(addr 1000):500" apply "-seq:$(addr 1500):500"
"$FWCTL" "$@" >"$AB_TMP/stats" 2>"$AB_TMP/fwctl.err" || {
    cat "$AB_TMP/fwctl.err" >&2
    ab_fail "fwctl failed"
}
touch "$AB_TMP/stop"
wait "$other_pid" || ab_fail "the other iptables program failed"
last=$(cat "$AB_TMP/other.last")
[ "$last" -ge 2 ] || ab_fail "the other program made only $last rounds"
echo "other program: $last rounds; ours: $(grep -c '^apply' "$AB_TMP/stats") commits"
awk '/^apply/ { for (i = 1; i <= NF; i++) if ($i ~ /^lock_wait_us=/) { split($i, kv, "="); print kv[2] } }' \
    "$AB_TMP/stats" | sort -n | awk '{ v[NR] = $1 } END { print "lock wait us: median " v[int((NR + 1) / 2)] ", max " v[NR] }'

# Both sides' rules, exactly.
{
    echo "-A INPUT -j ALERTBAN"
    echo "-A INPUT -s 203.0.113.$((last % 250 + 1))/32 -p tcp -m tcp --dport 22 -j ACCEPT"
} >"$AB_TMP/want4"
iptables-legacy -S INPUT | grep -v '^-P' >"$AB_TMP/got4"
diff -u "$AB_TMP/want4" "$AB_TMP/got4" || ab_fail "IPv4 INPUT is not what both sides expect"
{
    echo "-A INPUT -j ALERTBAN"
    echo "-A INPUT -s 2001:db8:ffff::$last/128 -j ACCEPT"
} >"$AB_TMP/want6"
ip6tables-legacy -S INPUT | grep -v '^-P' >"$AB_TMP/got6"
diff -u "$AB_TMP/want6" "$AB_TMP/got6" || ab_fail "IPv6 INPUT is not what both sides expect"

i=2000
while [ "$i" -lt 10000 ]; do
    echo "-A ALERTBAN -s $(addr "$i")/32 -j DROP"
    i=$((i + 1))
done >"$AB_TMP/want-chain4"
iptables-legacy -S ALERTBAN | grep -v '^-N' >"$AB_TMP/got-chain4"
diff -u "$AB_TMP/want-chain4" "$AB_TMP/got-chain4" >"$AB_TMP/chain.diff" || {
    head -20 "$AB_TMP/chain.diff" >&2
    ab_fail "our IPv4 chain is not the 8,000 expected bans"
}
n6=$(ip6tables-legacy -S ALERTBAN | grep -c -- '-s 2001:db8::')
[ "$n6" = 100 ] || ab_fail "expected 100 IPv6 bans, found $n6"

echo "== a writer that ignores the lock: our commits are retried and no ban is lost"
"$FWCTL" --lock "$XTABLES_LOCKFILE" flush
rm -f "$AB_TMP/stop"
(
    export XTABLES_LOCKFILE="$AB_TMP/another.lock"
    i=0
    while [ ! -e "$AB_TMP/stop" ] && [ "$i" -lt 3000 ]; do
        iptables-legacy -A INPUT -s 203.0.113.1 -j ACCEPT 2>/dev/null || true
        iptables-legacy -D INPUT -s 203.0.113.1 -j ACCEPT 2>/dev/null || true
        sleep 0.02
        i=$((i + 1))
    done
) &
unlocked=$!
ab_on_exit "kill $unlocked"
set -- --stats --lock "$XTABLES_LOCKFILE"
b=0
while [ "$b" -lt 100 ]; do
    set -- "$@" apply "+seq:198.19.$b.0:20"
    b=$((b + 1))
done
"$FWCTL" "$@" >"$AB_TMP/stats" 2>"$AB_TMP/fwctl.err" || {
    cat "$AB_TMP/fwctl.err" >&2
    ab_fail "fwctl failed beside an unlocked writer"
}
touch "$AB_TMP/stop"
wait "$unlocked" || true
echo "commits retried after EAGAIN/EINVAL: $(field_sum retries <"$AB_TMP/stats") in all," \
    "at most $(grep -o 'retries=[0-9]*' "$AB_TMP/stats" | cut -d= -f2 | sort -n | tail -n 1) for one call"
b=0
while [ "$b" -lt 100 ]; do
    j=0
    while [ "$j" -lt 20 ]; do
        echo "-A ALERTBAN -s 198.19.$b.$j/32 -j DROP"
        j=$((j + 1))
    done
    b=$((b + 1))
done >"$AB_TMP/want-chain4"
iptables-legacy -S ALERTBAN | grep -v '^-N' >"$AB_TMP/got-chain4"
diff -u "$AB_TMP/want-chain4" "$AB_TMP/got-chain4" >"$AB_TMP/chain.diff" || {
    head -20 "$AB_TMP/chain.diff" >&2
    ab_fail "our chain is not the 2,000 expected bans"
}
iptables-legacy -S INPUT | grep -qx -- '-A INPUT -j ALERTBAN' || ab_fail "our jump is gone"
echo "PASS"
