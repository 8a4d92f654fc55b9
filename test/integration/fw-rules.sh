#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The libiptc backend against the real kernel: the exact rules iptables-legacy -S and
# ip6tables-legacy -S show after batches, for drop, reject, direction = both and LOG;
# reconcile repairing what was changed by hand; flush leaving nothing; the lock timeout.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"

FWCTL="$AB_BUILD/test/fwctl"
[ -x "$FWCTL" ] || ab_fail "$FWCTL is not built"
fw() { "$FWCTL" --lock "$XTABLES_LOCKFILE" "$@"; }

# expect CMD: compares CMD -S with the lines on stdin (the policy lines left out).
expect() {
    "$@" -w 10 -S | grep -v '^-P ' >"$AB_TMP/got" || true
    cat >"$AB_TMP/want"
    if ! diff -u "$AB_TMP/want" "$AB_TMP/got"; then
        ab_fail "$* -S differs from the expected rules (above)"
    fi
}
v4() { expect iptables-legacy; }
v6() { expect ip6tables-legacy; }
# above_accept ADDR...: the rules with our jump above the host's conntrack accept and the chain
# dropping each ADDR, in order.
above_accept() {
    printf '%s\n' '-N ALERTBAN' '-A INPUT -j ALERTBAN' \
        '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'
    for a in "$@"; do echo "-A ALERTBAN -s $a -j DROP"; done
}

reset_tables() {
    for t in iptables-legacy ip6tables-legacy; do
        $t -w -F && $t -w -X
    done
}

echo "== batches, drop, above an ESTABLISHED,RELATED accept"
iptables-legacy -w -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
ip6tables-legacy -w -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
fw ensure
fw apply +192.0.2.1 +192.0.2.2 +2001:db8::1 +198.51.100.0/24 +192.0.2.1 -192.0.2.2 \
    +2001:db8:1::/48 -203.0.113.9
above_accept 192.0.2.1/32 198.51.100.0/24 | v4
above_accept 2001:db8::1/128 2001:db8:1::/48 | v6
# Adding what is there and removing what is not change nothing; a later batch appends.
fw apply +192.0.2.1 +2001:db8::1 -192.0.2.99 +192.0.2.3 -2001:db8::1 +2001:db8::2
above_accept 192.0.2.1/32 198.51.100.0/24 192.0.2.3/32 | v4
above_accept 2001:db8:1::/48 2001:db8::2/128 | v6
fw list >"$AB_TMP/list"
printf '192.0.2.1\n198.51.100.0/24\n192.0.2.3\n2001:db8:1::/48\n2001:db8::2\n' | diff -u - "$AB_TMP/list" ||
    ab_fail "list differs"

echo "== a deleted jump is re-created at position 1 by apply; a moved one is left alone"
iptables-legacy -w -D INPUT -j ALERTBAN
fw apply +192.0.2.4
iptables-legacy -S INPUT | sed -n 2p | grep -qx -- '-A INPUT -j ALERTBAN' || ab_fail "jump not restored"
iptables-legacy -w -I INPUT 1 -s 203.0.113.50 -j ACCEPT
fw apply +192.0.2.5
iptables-legacy -S INPUT | sed -n 3p | grep -qx -- '-A INPUT -j ALERTBAN' ||
    ab_fail "apply moved the jump"

echo "== an apply that finds the chain deleted re-creates it and asks for a reconcile"
iptables-legacy -w -D INPUT -s 203.0.113.50 -j ACCEPT
fw apply +192.0.2.8 wait-file "$AB_TMP/deleted" apply +192.0.2.6 -192.0.2.6 +192.0.2.1 \
    2>"$AB_TMP/err" &
handle=$!
ab_on_exit "kill $handle"
# (192.0.2.8 is new: once it shows, the handle has made its first commit.)
ab_wait_for 10 sh -c 'iptables-legacy -S ALERTBAN | grep -q -- "-s 192.0.2.8/32"'
iptables-legacy -w -D INPUT -j ALERTBAN
iptables-legacy -w -F ALERTBAN
iptables-legacy -w -X ALERTBAN
touch "$AB_TMP/deleted"
if wait "$handle"; then
    ab_fail "apply into a deleted chain reported success"
fi
grep -q 'apply: chain ALERTBAN was missing from the IPv4 filter table' "$AB_TMP/err" ||
    ab_fail "$(cat "$AB_TMP/err")"
above_accept 192.0.2.1/32 | v4
fw reconcile 192.0.2.1 198.51.100.0/24 192.0.2.3 192.0.2.4 192.0.2.5 2001:db8:1::/48 2001:db8::2
iptables-legacy -w -I INPUT 1 -s 203.0.113.50 -j ACCEPT
v4 <<'EOF'
-N ALERTBAN
-A INPUT -s 203.0.113.50/32 -j ACCEPT
-A INPUT -j ALERTBAN
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A ALERTBAN -s 192.0.2.1/32 -j DROP
-A ALERTBAN -s 198.51.100.0/24 -j DROP
-A ALERTBAN -s 192.0.2.3/32 -j DROP
-A ALERTBAN -s 192.0.2.4/32 -j DROP
-A ALERTBAN -s 192.0.2.5/32 -j DROP
EOF

echo "== reconcile: lost rule, stray, duplicate, misplaced and duplicated jumps"
iptables-legacy -w -D ALERTBAN -s 192.0.2.1 -j DROP
iptables-legacy -w -A ALERTBAN -s 203.0.113.66 -j DROP
iptables-legacy -w -A ALERTBAN -s 192.0.2.3 -j DROP
iptables-legacy -w -A ALERTBAN -p udp -j ACCEPT
iptables-legacy -w -A INPUT -j ALERTBAN
ip6tables-legacy -w -D INPUT -j ALERTBAN
ip6tables-legacy -w -I ALERTBAN 1 -s 2001:db8::2 -j DROP
out=$(fw --stats reconcile 192.0.2.1 198.51.100.0/24 192.0.2.3 192.0.2.4 192.0.2.5 \
    2001:db8:1::/48 2001:db8::2 | grep '^reconcile added')
[ "$out" = "reconcile added=1 removed=2 duplicates=2 hooks_fixed=2" ] || ab_fail "reconcile stats: $out"
v4 <<'EOF'
-N ALERTBAN
-A INPUT -j ALERTBAN
-A INPUT -s 203.0.113.50/32 -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A ALERTBAN -s 198.51.100.0/24 -j DROP
-A ALERTBAN -s 192.0.2.3/32 -j DROP
-A ALERTBAN -s 192.0.2.4/32 -j DROP
-A ALERTBAN -s 192.0.2.5/32 -j DROP
-A ALERTBAN -s 192.0.2.1/32 -j DROP
EOF
above_accept 2001:db8::2/128 2001:db8:1::/48 | v6
# Idempotent: a second reconcile finds nothing and commits nothing.
out=$(fw --stats reconcile 192.0.2.1 198.51.100.0/24 192.0.2.3 192.0.2.4 192.0.2.5 \
    2001:db8:1::/48 2001:db8::2)
echo "$out" | grep -qx 'reconcile added=0 removed=0 duplicates=0 hooks_fixed=0' || ab_fail "$out"
echo "$out" | grep -q '^reconcile .*commits=0 ' || ab_fail "idempotent reconcile committed: $out"

echo "== flush leaves nothing of ours and keeps the rest"
fw flush
v4 <<'EOF'
-A INPUT -s 203.0.113.50/32 -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
EOF
v6 <<'EOF'
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
EOF
reset_tables

echo "== reject, direction both, LOG, hooks INPUT and FORWARD"
# (INPUT skips the loopback interface: the reset REJECT sends a local socket comes back on it
# from the banned address.)
REJ="--action reject --direction both --log ab-ban: --hooks INPUT,FORWARD"
fw $REJ ensure apply +192.0.2.10 +2001:db8::10 +198.51.100.0/25
v4 <<'EOF'
-N ALERTBAN
-N ALERTBAN-ACT
-N ALERTBAN-DST
-A INPUT ! -i lo -j ALERTBAN
-A FORWARD -j ALERTBAN
-A FORWARD -j ALERTBAN-DST
-A OUTPUT -j ALERTBAN-DST
-A ALERTBAN -s 192.0.2.10/32 -j ALERTBAN-ACT
-A ALERTBAN -s 198.51.100.0/25 -j ALERTBAN-ACT
-A ALERTBAN-ACT -m limit --limit 10/min -j LOG --log-prefix "ab-ban:"
-A ALERTBAN-ACT -p tcp -j REJECT --reject-with tcp-reset
-A ALERTBAN-ACT -j REJECT --reject-with icmp-port-unreachable
-A ALERTBAN-DST -d 192.0.2.10/32 -j ALERTBAN-ACT
-A ALERTBAN-DST -d 198.51.100.0/25 -j ALERTBAN-ACT
EOF
v6 <<'EOF'
-N ALERTBAN
-N ALERTBAN-ACT
-N ALERTBAN-DST
-A INPUT ! -i lo -j ALERTBAN
-A FORWARD -j ALERTBAN
-A FORWARD -j ALERTBAN-DST
-A OUTPUT -j ALERTBAN-DST
-A ALERTBAN -s 2001:db8::10/128 -j ALERTBAN-ACT
-A ALERTBAN-ACT -m limit --limit 10/min -j LOG --log-prefix "ab-ban:"
-A ALERTBAN-ACT -p tcp -j REJECT --reject-with tcp-reset
-A ALERTBAN-ACT -j REJECT --reject-with icmp6-port-unreachable
-A ALERTBAN-DST -d 2001:db8::10/128 -j ALERTBAN-ACT
EOF
fw $REJ apply -192.0.2.10 -2001:db8::10
iptables-legacy -S ALERTBAN-DST | grep -c -- '-d ' | grep -qx 1 || ab_fail "-DST not updated"
ip6tables-legacy -S ALERTBAN | grep -q -- '-s ' && ab_fail "IPv6 rule not removed"
# An emptied verdict chain would let banned packets through: the next batch refills it.
iptables-legacy -w -F ALERTBAN-ACT
fw $REJ apply +192.0.2.11 -192.0.2.11
[ "$(iptables-legacy -w -S ALERTBAN-ACT | grep -c -- '^-A ALERTBAN-ACT')" = 3 ] ||
    ab_fail "apply did not refill the verdict chain"
# Reconcile repairs the verdict chain too.
iptables-legacy -w -D ALERTBAN-ACT -p tcp -j REJECT --reject-with tcp-reset
fw $REJ reconcile 198.51.100.0/25
iptables-legacy -S ALERTBAN-ACT | grep -q -- '-p tcp -j REJECT --reject-with tcp-reset' ||
    ab_fail "verdict chain not repaired"
out=$(fw --stats $REJ reconcile 198.51.100.0/25)
echo "$out" | grep -q '^reconcile .*commits=0 ' || ab_fail "reject/log reconcile not idempotent: $out"

echo "== switching to drop, direction in: reconcile rewrites the rules and drops the helpers"
fw reconcile 198.51.100.0/25
v4 <<'EOF'
-N ALERTBAN
-A INPUT -j ALERTBAN
-A ALERTBAN -s 198.51.100.0/25 -j DROP
EOF
v6 <<'EOF'
-N ALERTBAN
-A INPUT -j ALERTBAN
EOF
fw $REJ flush
v4 </dev/null
v6 </dev/null

echo "== drop with LOG only"
fw --log 'x: ' apply +203.0.113.1
v4 <<'EOF'
-N ALERTBAN
-N ALERTBAN-ACT
-A INPUT -j ALERTBAN
-A ALERTBAN -s 203.0.113.1/32 -j ALERTBAN-ACT
-A ALERTBAN-ACT -m limit --limit 10/min -j LOG --log-prefix "x: "
-A ALERTBAN-ACT -j DROP
EOF
fw --log 'x: ' flush

echo "== many removals take the rebuild path and keep the rest in order"
# (Also: past 200 bans the backend warns, once per handle.)
fw apply +seq:198.18.0.0:3000 +2001:db8::1 apply -seq:198.18.0.0:1000 -seq:198.18.8.0:500 \
    2>"$AB_TMP/err"
[ "$(grep -c 'bans in chain ALERTBAN: every packet' "$AB_TMP/err")" = 1 ] ||
    ab_fail "expected one warning about the chain's length: $(cat "$AB_TMP/err")"
n=$(iptables-legacy -S ALERTBAN | grep -c -- '-s ')
[ "$n" = 1500 ] || ab_fail "expected 1500 rules after removals, found $n"
iptables-legacy -S ALERTBAN | sed -n '2p;$p' | tr '\n' ' ' |
    grep -qx -- '-A ALERTBAN -s 198.18.3.232/32 -j DROP -A ALERTBAN -s 198.18.11.183/32 -j DROP ' ||
    ab_fail "wrong rules kept: $(iptables-legacy -S ALERTBAN | sed -n '2p;$p')"
[ "$(fw list 2>/dev/null | wc -l)" = 1501 ] || ab_fail "list count"
fw flush
# The rebuild keeps rules of every kind exactly: jumps, a module target, no target, RETURN, goto.
fw --action reject apply +seq:198.18.0.0:300
iptables-legacy -w -A ALERTBAN -s 203.0.113.77 -j LOG --log-prefix keep
iptables-legacy -w -A ALERTBAN -s 203.0.113.78
iptables-legacy -w -A ALERTBAN -s 203.0.113.79 -j RETURN
iptables-legacy -w -A ALERTBAN -s 203.0.113.80 -g ALERTBAN-ACT
iptables-legacy -S ALERTBAN | sed '2,201d' >"$AB_TMP/want"
fw --action reject apply -seq:198.18.0.0:200
iptables-legacy -S ALERTBAN >"$AB_TMP/got"
diff -u "$AB_TMP/want" "$AB_TMP/got" || ab_fail "the rebuilt chain lost or changed kept rules"
tail -n 4 "$AB_TMP/got" | head -n 1 | grep -qx -- '-A ALERTBAN -s 203.0.113.77/32 -j LOG --log-prefix keep' ||
    ab_fail "hand-made rules missing after the rebuild"
fw --action reject flush

echo "== a held lock makes the operation fail after the timeout, naming the lock"
flock -o "$XTABLES_LOCKFILE" sleep 30 & # (killed below: held however slow the machine)
holder=$!
ab_on_exit "kill $holder"
ab_wait_for 5 sh -c "! flock -n '$XTABLES_LOCKFILE' true"
start=$(date +%s%N)
if fw --lock-timeout 300 apply +192.0.2.1 2>"$AB_TMP/err"; then
    ab_fail "apply succeeded while the lock was held"
fi
ms=$((($(date +%s%N) - start) / 1000000))
grep -q "xtables lock $XTABLES_LOCKFILE is still held" "$AB_TMP/err" || ab_fail "$(cat "$AB_TMP/err")"
[ "$ms" -ge 300 ] && [ "$ms" -lt 2000 ] || ab_fail "lock timeout took $ms ms"
kill "$holder"
wait "$holder" 2>/dev/null || true
v4 </dev/null

echo "== bad settings are refused before touching the kernel"
if fw --chain ALERTBAN-WITH-A-VERY-LONG-NAME ensure 2>"$AB_TMP/err"; then
    ab_fail "long chain name accepted"
fi
grep -q 'chain name' "$AB_TMP/err" || ab_fail "$(cat "$AB_TMP/err")"
echo "PASS"
