#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Redis away: sensor a goes on banning, its decisions wait in its outbox (in SQLite) and all
# reach the gateway gw once Redis is back, each once. Redis is stopped during a flood of 1,000
# alerts and started again; then a is killed with kill -9 while its outbox is not empty, and
# nothing is lost.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
. "$(dirname "$0")/lib/netns.sh"
. "$(dirname "$0")/lib/share.sh"

nsa="ab-sa-$$"
ab_ns_add "$nsa"

sh_redis_start
sh_node_config a
sh_node_config gw "[share]
publish = no"
sh_node_start a "$nsa"
sh_node_start gw
ab_wait_for 10 sh_status_is a .share.publish up
ab_wait_for 10 sh_status_is gw .share.receive up
[ "$(sh_status gw .share.publish)" = off ] || ab_fail "gw publishes: $(sh_status gw .share)"


echo "== Redis stops in the middle of a flood of 1,000 alerts on a"
sh_flood a 0 300
ab_wait_for 20 sh_flood_is gw 300
sh_redis_stop
ab_wait_for 10 sh_status_is a .share.publish down
sh_flood a 300 700
ab_wait_for 30 sh_flood_is a 1000
# Local banning went on; the 700 wait in a's outbox; gw has only the first 300.
[ "$(sh_status a .share.outbox)" = 700 ] || ab_fail "a's outbox: $(sh_status a .share)"
sh_flood_is gw 300 || ab_fail "gw has $(sh_count_flood gw) of the flood while Redis is down"
echo "  outbox $(sh_status a .share.outbox), publish lag $(sh_status a .share.publish_lag_ms) ms"

echo "== Redis is back: every decision arrives, none twice"
t0=$(ab_now_ms)
sh_redis_start
ab_wait_for 30 sh_flood_is gw 1000
echo "  gw enforced the 700 waiting bans $(( $(ab_now_ms) - t0 )) ms after Redis started"
ab_wait_for 10 sh_status_is a .share.outbox 0
# Each decision went out exactly once: 1,000 stream entries, one per address.
n=$(rcli xlen t:log)
[ "$n" -eq 1000 ] || ab_fail "the stream holds $n entries, not 1000"
dups=$(rcli --raw xrange t:log - + | awk 'prev == "addr" { print } { prev = $0 }' | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] || ab_fail "$dups addresses were published more than once"
[ "$(sh_kernel_bans gw | sort | uniq -d | wc -l)" -eq 0 ] || ab_fail "duplicate rules on gw"
[ "$(nctl gw list --json | jq '[.bans[] | select(.source == "shared")] | length')" -eq 1000 ] ||
    ab_fail "gw's table does not hold 1000 shared bans"

echo "== kill -9 of a with decisions in its outbox loses none"
sh_redis_stop
ab_wait_for 10 sh_status_is a .share.publish down
sh_flood a 1000 50
ab_wait_for 20 sh_flood_is a 1050
ab_wait_for 10 sh_status_is a .share.outbox 50
sh_node_kill9 a
sh_redis_start
sh_flood_is gw 1000 || ab_fail "gw got bans from a dead a"
sh_node_start a "$nsa"
ab_wait_for 30 sh_flood_is gw 1050
ab_wait_for 10 sh_status_is a .share.outbox 0
[ "$(rcli xlen t:log)" -eq 1050 ] || ab_fail "the stream holds $(rcli xlen t:log) entries, not 1050"
# a restarted with the same bans and did not publish them again.
sh_flood_is a 1050 || ab_fail "a lost bans over kill -9"

sh_node_stop a
sh_node_stop gw
echo "PASS"
