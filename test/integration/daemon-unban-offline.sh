#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `alertban unban` while the daemon is down (issue 15), with real TCP over a veth, on each
# backend (nftables, ipset, iptables): with two addresses banned and the daemon stopped (the
# bans stay in the kernel), unbanning one lets its connections through at once, the store no
# longer holds it, and the other stays banned; the daemon's next start keeps it unbanned and
# the other banned. The unban takes the store's write lock before it acts: while another
# process holds that lock it waits, and changes nothing until it has it. With --json the
# offline reply says what was removed.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
. "$(dirname "$0")/lib/netns.sh"
command -v nft >/dev/null 2>&1 || ab_fail "nft is not installed (scripts/setup installs it)"
command -v ipset >/dev/null 2>&1 || ab_fail "ipset is not installed (scripts/setup installs it)"
PYTHON=$(command -v /usr/bin/python3 || command -v python3) ||
    ab_fail "python3 is missing (scripts/setup installs it)"

PROBE="$AB_SRC/test/integration/lib/tcpprobe.py"
atk="ab-uo-$$"
ab_peer "$atk" ab-uo ab-uo-atk 192.0.2.1/24 "192.0.2.7/24 192.0.2.8/24 192.0.2.9/24"
$PYTHON "$PROBE" serve 8080 "$AB_TMP/ready" &
ab_on_exit "kill $!"
ab_wait_for 10 test -s "$AB_TMP/ready"
probe() { ip netns exec "$atk" $PYTHON "$PROBE" probe "$1" 192.0.2.1 8080 1; }
expect() { # SRC OUTCOME WHEN
    got=$(probe "$1")
    case "$got" in
    "$2 "*) ;;
    *) ab_fail "$3: TCP from $1: expected $2, got $got" ;;
    esac
}
for a in 192.0.2.7 192.0.2.8 192.0.2.9; do
    ab_wait_for 10 sh -c "ip netns exec $atk $PYTHON $PROBE probe $a 192.0.2.1 8080 1 | grep -q '^ok '"
done
stored() { # the addresses the store holds (the CLI reads it while the daemon is down)
    abctl list --json 2>/dev/null | jq -r '.bans[].addr' | sort | tr '\n' ' '
}

for backend in nftables ipset iptables; do
    echo "== $backend"
    rm -rf "$AB_TMP/state" "$AB_DAEMON_LOG"
    : >"$AB_LOG"
    AB_BACKEND=$backend ab_write_config
    ab_start
    abctl ban 192.0.2.7 192.0.2.8 >/dev/null
    ab_stop
    # on_exit = keep: the bans stay in force while the daemon is down.
    expect 192.0.2.7 timeout "$backend, daemon stopped"
    expect 192.0.2.8 timeout "$backend, daemon stopped"
    expect 192.0.2.9 ok "$backend, daemon stopped"

    t0=$(ab_now_ms)
    abctl unban 192.0.2.7 >"$AB_TMP/out" 2>"$AB_TMP/err" ||
        { cat "$AB_TMP/err"; ab_fail "$backend: offline unban failed"; }
    t1=$(ab_now_ms)
    [ "$(cat "$AB_TMP/out")" = "unbanned 192.0.2.7" ] || ab_fail "$backend: output $(cat "$AB_TMP/out")"
    grep -q "removed 1 stored ban from $AB_TMP/state/alertban.db" "$AB_TMP/err" &&
        grep -q "removed at once from the kernel: $backend" "$AB_TMP/err" ||
        { cat "$AB_TMP/err"; ab_fail "$backend: the offline unban does not say what it did"; }
    expect 192.0.2.7 ok "$backend, after the offline unban"
    expect 192.0.2.8 timeout "$backend, after the offline unban"
    echo "  unban with the daemon down: $((t1 - t0)) ms, 192.0.2.7 passes, 192.0.2.8 stays banned"
    [ "$(stored)" = "192.0.2.8 " ] || ab_fail "$backend: the store holds: $(stored)"

    # No ban there: exit 1, nothing changed.
    rc=0
    abctl unban 192.0.2.9 >/dev/null 2>"$AB_TMP/err" || rc=$?
    [ "$rc" -eq 1 ] && grep -q "192.0.2.9 has no ban in the stored state" "$AB_TMP/err" ||
        { cat "$AB_TMP/err"; ab_fail "$backend: offline unban of no ban: exit $rc"; }

    ab_start
    ab_list_addrs | tr '\n' ' ' | grep -qx '192.0.2.8 ' || ab_fail "$backend: after the start: $(ab_list_addrs)"
    expect 192.0.2.7 ok "$backend, after the restart"
    expect 192.0.2.8 timeout "$backend, after the restart"
    grep -q 'bans_restored=1 ' "$AB_DAEMON_LOG" || ab_fail "$backend: the start did not restore 1 ban"
    ab_stop
done

echo "== the store's write lock: the unban waits for it and acts only once it has it"
# Another process holds the write lock until told to let go (4 s at most, within the CLI's 5 s
# busy timeout); the unban (with --json) must finish after that, and the ban must still be in
# the kernel while the lock is held. The release waits for the probe: a release on a timer
# could come while the probe's connection attempt is still retrying, and let it through.
$PYTHON -c 'import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
end = time.monotonic() + 4
while time.monotonic() < end and not os.path.exists(sys.argv[3]):
    time.sleep(0.01)
db.execute("ROLLBACK")' "$AB_TMP/state/alertban.db" "$AB_TMP/locked" "$AB_TMP/release" &
holder=$!
ab_wait_for 5 test -e "$AB_TMP/locked"
t0=$(ab_now_ms)
abctl unban --json 192.0.2.8 >"$AB_TMP/json" 2>"$AB_TMP/err" &
unban=$!
sleep 1 # (the unban reaches the lock; what follows holds however long that takes)
expect 192.0.2.8 timeout "while another process holds the store's lock"
# (An exited child answers kill -0 until it is waited for: its reply tells instead.)
[ ! -s "$AB_TMP/json" ] || ab_fail "the unban answered while another process held the store's lock"
touch "$AB_TMP/release"
wait "$unban" || { cat "$AB_TMP/err"; ab_fail "the unban failed behind a held lock"; }
t1=$(ab_now_ms)
wait "$holder"
[ $((t1 - t0)) -ge 1500 ] || ab_fail "the unban did not wait for the lock ($((t1 - t0)) ms)"
jq -e '.ok and .offline and .removed == 1 and .enforced and (.kernel | startswith("iptables"))' \
    "$AB_TMP/json" >/dev/null || ab_fail "offline unban --json: $(cat "$AB_TMP/json")"
expect 192.0.2.8 ok "after the unban behind the lock"
[ "$(stored)" = "" ] || ab_fail "the store still holds: $(stored)"
echo "PASS"
