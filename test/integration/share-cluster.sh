#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Three alertband nodes share bans through a real redis-server: sensors a and b in network
# namespaces of their own, the gateway gw in the case's namespace, joined by a veth pair to an
# offender's namespace. An alert on a bans on a and on gw, and the offender's packets stop at
# gw; the origin shows in gw's list and show; an unban on b lifts it on every node; gw, which
# whitelists an address, refuses a's ban of it and says why; a node never applies its own.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
. "$(dirname "$0")/lib/netns.sh"
. "$(dirname "$0")/lib/share.sh"

nsa="ab-sa-$$" nsb="ab-sb-$$" nso="ab-so-$$"
ab_ns_add "$nsa"
ab_ns_add "$nsb"
# The offender 192.0.2.2 reaches the gateway 192.0.2.1 over a veth pair.
ab_peer "$nso" ab-gw ab-off 192.0.2.1/24 192.0.2.2/24
ping_ok() { ip netns exec "$nso" ping -q -n -c 1 -W 1 192.0.2.1 >/dev/null 2>&1; }
ab_wait_for 10 ping_ok

sh_redis_start
sh_node_config a
sh_node_config b
sh_node_config gw "[whitelist]
address = 198.51.100.77"
sh_node_start a "$nsa"
sh_node_start b "$nsb"
sh_node_start gw

echo "== the links come up"
for n in a b gw; do
    ab_wait_for 10 sh_status_is "$n" .share.publish up
    ab_wait_for 10 sh_status_is "$n" .share.receive up
done

echo "== an alert on a bans 192.0.2.2 on a, b and gw; its packets stop at gw"
t0=$(ab_now_ms)
sh_alert a 192.0.2.2
ab_wait_for 10 sh_kernel_has a 192.0.2.2
ab_wait_for 10 sh_kernel_has gw 192.0.2.2
echo "  enforced in gw's kernel $(( $(ab_now_ms) - t0 )) ms after the alert was written"
ab_wait_for 10 sh_kernel_has b 192.0.2.2
if ping_ok; then ab_fail "the offender's ping got through gw after the shared ban"; fi
# gw stores it as shared, from a, with a's expiry.
row=$(nctl gw list --json | jq -c '.bans[] | select(.addr == "192.0.2.2")')
[ "$(echo "$row" | jq -r .source)" = shared ] || ab_fail "gw's ban is not 'shared': $row"
[ "$(echo "$row" | jq -r .origin)" = a ] || ab_fail "gw's ban does not name a: $row"
exp_a=$(nctl a list --json | jq -r '.bans[] | select(.addr == "192.0.2.2") | .expires')
exp_gw=$(echo "$row" | jq -r .expires)
d=$(( exp_gw - exp_a ))
[ "$d" -ge -1 ] && [ "$d" -le 1 ] || ab_fail "expiries differ: a $exp_a, gw $exp_gw"
nctl gw list | grep 192.0.2.2 | grep -q "shared:a" || ab_fail "gw's list does not show the origin: $(nctl gw list)"
nctl gw show 192.0.2.2 | grep -qi 'origin.*a' || ab_fail "gw's show does not name a: $(nctl gw show 192.0.2.2)"
# a's own entry came back to a through Redis and was not applied again.
ab_wait_for 10 sh_status_is a .share.own 1
[ "$(sh_status a .share.applied)" = 0 ] || ab_fail "a applied entries: $(sh_status a .share)"
# The snapshot key's value is the entry's NUL-separated name/value list.
[ "$(rcli get t:ban:192.0.2.2 | tr '\0' '\n' | sed -n '/^node$/{n;p;q}')" = a ] ||
    ab_fail "no snapshot key for 192.0.2.2"
[ "$(sh_status a .share.outbox)" = 0 ] || ab_fail "a's outbox is not empty"

echo "== an unban on b lifts it on a, b and gw; b's unban is not echoed back to b"
nctl b unban 192.0.2.2 >/dev/null
ab_wait_for 10 sh_kernel_lacks gw 192.0.2.2
ab_wait_for 10 sh_kernel_lacks a 192.0.2.2
sh_kernel_lacks b 192.0.2.2 || ab_fail "b still bans 192.0.2.2"
ab_wait_for 10 ping_ok
[ "$(rcli exists t:ban:192.0.2.2)" = 0 ] || ab_fail "the snapshot key survived the unban"
sh_log_has gw "share: unban addr=192.0.2.2 node=b" || ab_fail "gw did not log b's unban"

echo "== gw whitelists 198.51.100.77: a bans it, gw refuses and says why"
sh_alert a 198.51.100.77
ab_wait_for 10 sh_kernel_has a 198.51.100.77
ab_wait_for 10 sh_kernel_has b 198.51.100.77
ab_wait_for 10 sh_log_has gw "refused ban addr=198.51.100.77 node=a"
grep 'refused ban addr=198.51.100.77' "$AB_TMP/gw/alertband.log" | grep -q whitelisted_address ||
    ab_fail "gw's refusal does not say why: $(grep 198.51.100.77 "$AB_TMP/gw/alertband.log")"
sh_kernel_lacks gw 198.51.100.77 || ab_fail "gw banned its whitelisted address"
[ "$(sh_status gw .share.refused)" = 1 ] || ab_fail "gw did not count the refusal"

echo "== gw's own address, sent by a (forced), is refused too"
nctl a ban 192.0.2.1 --force >/dev/null
ab_wait_for 10 sh_log_has gw "refused ban addr=192.0.2.1 node=a"
grep 'refused ban addr=192.0.2.1 ' "$AB_TMP/gw/alertband.log" | grep -q own_address ||
    ab_fail "gw's refusal of its own address does not say so"
sh_kernel_lacks gw 192.0.2.1 || ab_fail "gw banned its own address"

echo "== a stop and start keeps the shared ban, from its origin"
sh_alert b 203.0.113.9
ab_wait_for 10 sh_kernel_has gw 203.0.113.9
sh_node_stop gw
sh_node_start gw
ab_wait_for 10 sh_status_is gw .share.receive up
sh_kernel_has gw 203.0.113.9 || ab_fail "gw lost the shared ban over a restart"
[ "$(nctl gw list --json | jq -r '.bans[] | select(.addr == "203.0.113.9") | .origin')" = b ] ||
    ab_fail "gw lost the origin over a restart"

for n in a b gw; do sh_node_stop "$n"; done
echo "PASS"
