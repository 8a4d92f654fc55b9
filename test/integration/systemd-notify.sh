#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# alertband and systemd's notify protocol, with a datagram socket standing in for
# NOTIFY_SOCKET: READY=1 comes only once the stored bans are back in the kernel (the test
# holds the xtables lock so that the reconcile has to wait, and checks the kernel the moment
# READY=1 arrives), STATUS= counts the bans, WATCHDOG=1 comes at half of WATCHDOG_USEC, and
# STOPPING=1 on SIGTERM.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
command -v python3 >/dev/null 2>&1 || ab_fail "python3 is not installed"
command -v flock >/dev/null 2>&1 || ab_fail "flock (util-linux) is not installed"
LIB="$(cd "$(dirname "$0")/lib" && pwd)"

mono_ms() {
    python3 -c 'import time; print(time.monotonic_ns() // 1000000)'
}

AB_ON_EXIT=flush
ab_write_config
: >"$AB_LOG"

echo "== a first run stores two bans and takes them out of the kernel when it stops"
ab_start
abctl ban 203.0.113.7 >/dev/null
abctl ban 2001:db8::7 >/dev/null
ab_wait_for 10 ab_kernel_has 203.0.113.7
ab_wait_for 10 ab_kernel_has 2001:db8::7
ab_stop
ab_kernel_lacks 203.0.113.7 || ab_fail "on_exit = flush left 203.0.113.7 in the kernel"

echo "== restart under a notify socket while the xtables lock is held"
NOTIFY_OUT="$AB_TMP/notify.out"
python3 "$LIB/notify-listen.py" "$AB_TMP/notify.sock" "$NOTIFY_OUT" \
    'iptables-legacy -S ALERTBAN; ip6tables-legacy -S ALERTBAN' &
LISTENER=$!
ab_on_exit "kill $LISTENER"
ab_wait_for 30 grep -qx listening "$NOTIFY_OUT"
exec 9>"$XTABLES_LOCKFILE"
flock -x 9
NOTIFY_SOCKET="$AB_TMP/notify.sock" WATCHDOG_USEC=400000 \
    "$ALERTBAND" -c "$AB_CONF" --foreground >>"$AB_DAEMON_LOG" 2>&1 9>&- &
AB_PID=$!
ab_on_exit "kill -9 $AB_PID 2>/dev/null"
sleep 1.5
kill -0 "$AB_PID" || { cat "$AB_DAEMON_LOG" >&2; ab_fail "alertband exited"; }
if grep -q 'READY=1' "$NOTIFY_OUT"; then
    cat "$NOTIFY_OUT" >&2
    ab_fail "READY=1 was sent while the reconcile waited for the xtables lock"
fi
released=$(mono_ms)
exec 9>&-
ab_wait_for 15 grep -q 'READY=1' "$NOTIFY_OUT"

echo "== READY=1 came after the reconcile, with both bans in the kernel at that moment"
ready_line=$(grep 'READY=1' "$NOTIFY_OUT")
ready_ms=${ready_line%%	*}
[ "$ready_ms" -ge "$released" ] || ab_fail "READY=1 at $ready_ms ms, before the lock was released at $released ms"
echo "READY=1 $((ready_ms - released)) ms after the lock was released"
case "$ready_line" in
*'STATUS=2 bans in force'*) ;;
*) ab_fail "READY=1 without STATUS=2 bans in force: $ready_line" ;;
esac
ab_wait_for 5 grep -q '^check	' "$NOTIFY_OUT"
check=$(grep '^check	' "$NOTIFY_OUT")
case "$check" in
*'-A ALERTBAN -s 203.0.113.7/32'*'-A ALERTBAN -s 2001:db8::7/128'*) ;;
*) ab_fail "the kernel lacked the stored bans when READY=1 arrived: $check" ;;
esac
[ "$(grep -c 'READY=1' "$NOTIFY_OUT")" -eq 1 ] || ab_fail "READY=1 sent more than once"

echo "== WATCHDOG=1 every 200 ms (half of WATCHDOG_USEC=400000)"
sleep 3
awk -F'\t' -v r="$ready_ms" '$1 ~ /^[0-9]+$/ && $2 ~ /WATCHDOG=1/ && $1 > r { print $1 }' \
    "$NOTIFY_OUT" >"$AB_TMP/pings"
n=$(wc -l <"$AB_TMP/pings")
first=$(head -1 "$AB_TMP/pings")
last=$(tail -1 "$AB_TMP/pings")
[ "$n" -ge 5 ] || { cat "$NOTIFY_OUT" >&2; ab_fail "only $n WATCHDOG=1 in 3 s"; }
mean=$(( (last - first) / (n - 1) ))
echo "WATCHDOG=1: $n pings, a mean interval of $mean ms"
[ "$mean" -ge 150 ] && [ "$mean" -le 300 ] || ab_fail "WATCHDOG=1 every $mean ms, not about 200"
grep 'WATCHDOG=1' "$NOTIFY_OUT" | tail -1 | grep -q 'STATUS=2 bans in force' ||
    ab_fail "the watchdog's STATUS= is not the ban count"

echo "== STATUS= follows the count, STOPPING=1 on SIGTERM"
abctl unban 2001:db8::7 >/dev/null
ab_wait_for 5 grep -q 'STATUS=1 bans in force' "$NOTIFY_OUT"
ab_stop
ab_wait_for 5 grep -q 'STOPPING=1' "$NOTIFY_OUT"

echo "== without NOTIFY_SOCKET nothing is sent and the daemon runs as before"
lines=$(wc -l <"$NOTIFY_OUT")
ab_start
ab_stop
[ "$(wc -l <"$NOTIFY_OUT")" -eq "$lines" ] || ab_fail "a datagram arrived without NOTIFY_SOCKET"
echo "PASS"
