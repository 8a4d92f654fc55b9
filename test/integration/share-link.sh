#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The link to Redis: a Redis address whose SYNs are dropped (an nft rule in this case's own
# namespace) does not hold the link for the kernel's two minutes of SYN retries: the link
# says down within its 3 s connect timeout, local banning goes on with the decision in the
# outbox, and once the address answers the link comes up and the outbox drains. A change to
# [share] in a reload is listed as waiting for a restart.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
. "$(dirname "$0")/lib/share.sh"
command -v nft >/dev/null || ab_fail "nft is missing (scripts/setup installs it)"

ip link set lo up
ip addr add 192.0.2.200/32 dev lo
nft -f - <<'EOF'
table inet ab_blackhole {
    chain input {
        type filter hook input priority -300; policy accept;
        ip daddr 192.0.2.200 tcp dport 6390 counter drop
    }
}
EOF
# The blackhole holds: a connect there gets no answer at all.
rc=0
timeout 2 redis-cli -h 192.0.2.200 -p 6390 ping >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 124 ] || ab_fail "a connect to the blackholed address ended (rc $rc) instead of hanging"

sh_node_config a
sed -i 's|^redis = .*|redis = 192.0.2.200:6390|' "$AB_TMP/a/alertban.conf"
t0=$(date +%s%N)
sh_node_start a

echo "== the link says down within the connect timeout, not after the kernel's SYN retries"
ab_wait_for 10 sh_status_is a .share.publish down
elapsed_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "  down after $elapsed_ms ms"
[ "$elapsed_ms" -ge 2500 ] || ab_fail "down after $elapsed_ms ms: before the 3 s timeout?"
sh_status_is a .share.receive down || ab_fail "receive is $(sh_status a .share.receive)"
drops=$(nft list table inet ab_blackhole | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
[ "$drops" -ge 2 ] || ab_fail "the blackhole dropped $drops SYNs: the links never tried it"

echo "== local banning goes on; the decision waits in the outbox"
sh_alert a 203.0.113.5
ab_wait_for 10 sh_kernel_has a 203.0.113.5
ab_wait_for 10 sh_status_is a .share.outbox 1
# Later tries are given up too: the link stays down, it is never stuck in "connecting".
sleep 4
sh_status_is a .share.publish down || ab_fail "publish is $(sh_status a .share.publish) after 4 s more"

echo "== the address answers: the link comes up and the outbox drains"
mkdir -p "$AB_TMP/redis-tcp"
redis-server --port 6390 --bind 192.0.2.200 --protected-mode no --save "" --appendonly no \
    --dir "$AB_TMP/redis-tcp" --logfile "$AB_TMP/redis-tcp/redis.log" &
tcp_pid=$!
ab_on_exit "kill -9 $tcp_pid 2>/dev/null"
nft delete table inet ab_blackhole
ab_wait_for 10 redis-cli -h 192.0.2.200 -p 6390 ping
# The backoff is at most 10 s, plus a try already under way.
ab_wait_for 30 sh_status_is a .share.publish up
ab_wait_for 10 sh_status_is a .share.outbox 0
[ "$(redis-cli -h 192.0.2.200 -p 6390 exists t:ban:203.0.113.5)" = 1 ] ||
    ab_fail "the waiting decision did not reach Redis"

echo "== a change to [share] in a reload waits for a restart, and says so"
sed -i 's|^prefix = t$|prefix = t2|' "$AB_TMP/a/alertban.conf"
nctl a reload --json >"$AB_TMP/reload.json" || ab_fail "reload failed"
jq -e '.restart_required | index("share.prefix")' "$AB_TMP/reload.json" >/dev/null ||
    ab_fail "share.prefix is not in the reload's restart list: $(cat "$AB_TMP/reload.json")"
jq -e '.applied | index("share.prefix") | not' "$AB_TMP/reload.json" >/dev/null ||
    ab_fail "share.prefix was called applied: $(cat "$AB_TMP/reload.json")"
nctl a reload >"$AB_TMP/reload.txt" || ab_fail "reload failed"
grep -q "waits for a restart.*share.prefix" "$AB_TMP/reload.txt" ||
    ab_fail "the reload's text does not name share.prefix: $(cat "$AB_TMP/reload.txt")"
sh_log_has a "share.prefix changed; it takes effect at the next restart" ||
    ab_fail "the log does not warn about share.prefix"
# Still in force until the restart: the old prefix.
sh_alert a 203.0.113.6
ab_wait_for 10 sh_status_is a .share.outbox 0
ab_wait_for 10 sh_kernel_has a 203.0.113.6
[ "$(redis-cli -h 192.0.2.200 -p 6390 exists t:ban:203.0.113.6)" = 1 ] ||
    ab_fail "the running node did not keep its prefix until the restart"

sh_node_stop a
echo "PASS"
