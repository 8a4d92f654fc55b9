#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The snapshot: a gateway started after sensor a shared 10,000 bans loads them from the
# snapshot keys (a's stream is trimmed to about 100 entries, so the stream alone could not
# give them), and, stopped while a shares 300 more, finds its position trimmed from the stream
# and falls back to the snapshot. Unbans and expiries reach the snapshot too.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
. "$(dirname "$0")/lib/netns.sh"
. "$(dirname "$0")/lib/share.sh"

nsa="ab-sa-$$"
ab_ns_add "$nsa"

sh_redis_start
sh_node_config a "stream_max_len = 100"
sh_node_config gw
sh_node_start a "$nsa"
ab_wait_for 10 sh_status_is a .share.publish up


echo "== a shares 10,000 bans; its stream keeps about 100 entries"
t0=$(ab_now_ms)
sh_flood a 0 10000
ab_wait_for 60 sh_flood_is a 10000
ab_wait_for 60 sh_status_is a .share.outbox 0
echo "  a banned and published 10,000 in $(( $(ab_now_ms) - t0 )) ms"
n=$(rcli xlen t:log)
[ "$n" -lt 1000 ] || ab_fail "the stream was not trimmed: $n entries"
keys=$(rcli --scan --pattern 't:ban:*' | wc -l)
[ "$keys" -eq 10000 ] || ab_fail "$keys snapshot keys, not 10000"

echo "== gw, started now, loads the 10,000 from the snapshot"
t0=$(ab_now_ms)
sh_node_start gw
ab_wait_for 60 sh_flood_is gw 10000
echo "  gw enforced 10,000 bans $(( $(ab_now_ms) - t0 )) ms after it was started"
sh_log_has gw "loading the snapshot (no stream position yet)" || ab_fail "gw did not load the snapshot"
# One summary line for the snapshot, none per ban.
ab_wait_for 10 sh_log_has gw "snapshot loaded: bans=10000 in_force=10000 not_applied=0 "
sh_status_is gw .share.snapshot "" || ab_fail "status still shows a snapshot being loaded"
[ "$(sh_status gw .share.applied)" -ge 10000 ] || ab_fail "status does not count the snapshot's bans"
! grep -q "^.*ban addr=198\.18\." "$AB_TMP/gw/alertband.log" ||
    ab_fail "gw wrote a line per ban of the snapshot"
ab_wait_for 10 sh_status_is gw .share.malformed 0

echo "== gw away while a shares 300 more: its position is trimmed; it falls back to the snapshot"
sh_node_stop gw
sh_flood a 10000 300
ab_wait_for 30 sh_flood_is a 10300
ab_wait_for 30 sh_status_is a .share.outbox 0
: >"$AB_TMP/gw/alertband.log"
sh_node_start gw
ab_wait_for 60 sh_flood_is gw 10300
sh_log_has gw "loading the snapshot (the stream was trimmed past this node's position" ||
    ab_fail "gw did not say why it loaded the snapshot: $(grep share: "$AB_TMP/gw/alertband.log")"

echo "== an unban reaches the snapshot and gw"
nctl a unban 198.18.0.1 >/dev/null
ab_wait_for 10 sh_kernel_lacks gw 198.18.0.1
[ "$(rcli exists t:ban:198.18.0.1)" = 0 ] || ab_fail "the unbanned address is still in the snapshot"

echo "== Redis memory per shared ban"
rcli info memory | sed -n 's/^used_memory:\([0-9]*\).*/  used_memory \1 bytes/p'

sh_node_stop a
sh_node_stop gw
echo "PASS"
