#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark of the daemon at scale with the nftables backend, in a private network namespace
# (run as root through scripts/bench scale):
#
#   - a burst of N alerts from N distinct attackers (threshold 1, ban_time 1h, no rate valve)
#     written to the followed log at once, for N = 10,000, 100,000 (IPv4, 198.18.0.0/15) and
#     1,000,000 (IPv6, 2001:db8::/32): the time from the write until every ban is in the
#     kernel's set, and the daemon's RSS (VmRSS) then, against the empty daemon's;
#   - a restart with 100,000 active bans: the time from exec until the daemon answers on its
#     socket, which it does only after loading the bans and reconciling the kernel's set.
#
# "Every ban is in the kernel" is read from the daemon: `alertban status` answers between
# main-loop turns, and a reply with bans.total = N, firewall.pending = 0 and no unread input
# comes after the last fw_apply() returned, that is after the kernel acknowledged every
# element. Polling the kernel itself would measure the poll (one `nft list set` of 100,000
# elements takes about a second). The kernel's set is then counted once (not timed) and must
# hold N elements, else the run fails. (A daemon older than firewall.pending in the status,
# for a before/after comparison, applies a turn's changes in the same callback as its commit,
# so store.pending = 0 already implies them there.)
#
# Environment: SCALE_BENCH_REPS (3; the 1,000,000 run is done once),
# SCALE_BENCH_SIZES ("10000 100000 1000000"), SCALE_BENCH_BACKEND (nftables; ipset or auto),
# SCALE_BENCH_PERF=1 records the 100,000 burst with perf record -g into
# $SCALE_BENCH_PERF_OUT (/tmp/alertban-scale.perf.data).
set -eu
. "$(dirname "$0")/../integration/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/../integration/lib/daemon.sh"
command -v nft >/dev/null || ab_fail "nft is missing (scripts/setup installs nftables)"
command -v python3 >/dev/null || ab_fail "python3 is missing"

REPS=${SCALE_BENCH_REPS:-3}
SIZES=${SCALE_BENCH_SIZES:-"10000 100000 1000000"}

median() {
    sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$AB_PID/status"; }
# CPU time (user + system) the daemon has used, in ms: less disturbed by a busy machine than
# the wall-clock time, so shown beside it.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$AB_PID/stat"; }
# Distinct members of both sets. A dump taken while the kernel resizes a large set's hash
# table may repeat some members and skip others, so callers retry until the count is right.
BACKEND=${SCALE_BENCH_BACKEND:-nftables}
kernel_dump() {
    if [ "$BACKEND" = ipset ]; then
        ipset list ALERTBAN4 2>/dev/null; ipset list ALERTBAN6 2>/dev/null
    else # nftables, or auto, which holds this many bans in the nftables sets
        nft list set inet alertban ban4 2>/dev/null; nft list set inet alertban ban6 2>/dev/null
    fi
}
kernel_count() {
    kernel_dump |
        grep -oE '(198\.1[89]\.[0-9]+\.[0-9]+|2001:db8:[0-9a-f:]+)' | sort -u | wc -l
}
# kernel_has N: the sets hold N members, by a dump repeated up to 10 times.
kernel_has() {
    k=0
    until [ "$(kernel_count)" -eq "$1" ]; do
        k=$((k + 1))
        [ "$k" -lt 10 ] || return 1
        sleep 1
    done
}

# burst_file N FILE: N fast-format alerts, one per distinct attacker (IPv6 above 100,000).
burst_file() {
    python3 - "$1" >"$2" <<'PY'
import sys
n = int(sys.argv[1])
out = sys.stdout
v6 = n > 100000
for i in range(1, n + 1):
    if v6:
        a = "2001:db8::%x:%x" % (i >> 16, i & 0xffff)
    else:
        a = "198.%d.%d.%d" % (18 + (i >> 16), (i >> 8) & 255, i & 255)
    if v6:
        ends = "%s:40000 -> 2001:db8::1:22" % a
    else:
        ends = "%s:40000 -> 192.0.2.1:22" % a
    out.write("11/22-10:00:01.000001  [**] [1:2001219:20] ET SCAN bench [**] [Priority: 2] "
              "{TCP} %s\n" % ends)
PY
}

# settled N: TRUE when the daemon holds N bans, none waits for the firewall or the store, and
# the input is read to its end.
settled() {
    abctl status --json 2>/dev/null | jq -e --argjson n "$1" \
        '.bans.total == $n and (.firewall.pending // 0) == 0 and .store.pending == 0 and
         ([.inputs[].lag_bytes] | add // 0) == 0' >/dev/null
}

fresh() {
    [ -z "$AB_PID" ] || ab_stop
    "$ALERTBAND" -c "$AB_CONF" --flush >/dev/null 2>&1 || true
    rm -rf "$AB_TMP/state"
    : >"$AB_LOG"
    : >"$AB_DAEMON_LOG"
}

AB_BACKEND=$BACKEND AB_DAEMON_EXTRA="max_bans = 2000000" ab_write_config '
[policy]
ban_time = 1h
max_bans_per_minute = 0'

echo "alertban scale benchmark ($BACKEND backend): $(uname -r), $(nproc) CPUs"
echo
printf '%-12s %12s %12s %14s %14s %12s %6s\n' bans install_ms cpu_ms empty_rss_kb rss_kb B_per_ban reps
for n in $SIZES; do
    burst_file "$n" "$AB_TMP/burst"
    reps=$REPS
    [ "$n" -lt 1000000 ] || reps=1
    : >"$AB_TMP/t"
    : >"$AB_TMP/r"
    : >"$AB_TMP/e"
    : >"$AB_TMP/c"
    i=0
    while [ "$i" -lt "$reps" ]; do
        fresh
        ab_start
        sleep 0.5
        empty=$(rss_kb)
        if [ "${SCALE_BENCH_PERF:-0}" = 1 ] && [ "$n" = 100000 ] && [ "$i" = 0 ]; then
            perf record ${SCALE_BENCH_PERF_ARGS:---call-graph dwarf,32768 -F 500} -o "${SCALE_BENCH_PERF_OUT:-/tmp/alertban-scale.perf.data}" \
                -p "$AB_PID" >/dev/null 2>&1 &
            perf_pid=$!
            sleep 1
        else
            perf_pid=""
        fi
        c0=$(cpu_ms)
        t0=$(ab_now_ms)
        cat "$AB_TMP/burst" >>"$AB_LOG"
        k=0
        until settled "$n"; do
            k=$((k + 1))
            [ "$k" -lt 30000 ] || ab_fail "burst of $n not settled: $(abctl status --json | jq -c .bans)"
            if [ $((k % 100)) -eq 0 ] && abctl status --json | jq -e '.alerts.skipped.malformed > 0' >/dev/null; then
                ab_fail "the daemon does not read the burst's lines"
            fi
            sleep 0.01
        done
        t1=$(ab_now_ms)
        echo $(($(cpu_ms) - c0)) >>"$AB_TMP/c"
        if [ -n "$perf_pid" ]; then
            kill -INT "$perf_pid"
            wait "$perf_pid" || true
        fi
        kernel_has "$n" || ab_fail "burst of $n: the kernel's sets hold $(kernel_count) elements"
        echo $((t1 - t0)) >>"$AB_TMP/t"
        sleep 1
        echo "$(rss_kb)" >>"$AB_TMP/r"
        echo "$empty" >>"$AB_TMP/e"
        i=$((i + 1))
    done
    e=$(median <"$AB_TMP/e")
    r=$(median <"$AB_TMP/r")
    printf '%-12s %12s %12s %14s %14s %12s %6s\n' "$n" "$(median <"$AB_TMP/t")" \
        "$(median <"$AB_TMP/c")" "$e" "$r" "$(((r - e) * 1024 / n))" "$reps"
    if [ "$n" = 100000 ]; then
        # The restart: the state of this burst, stopped and started again.
        echo
        echo "== restart with 100,000 active bans (exec to answering; the reconcile precedes it)"
        : >"$AB_TMP/s"
        : >"$AB_TMP/sr"
        j=0
        while [ "$j" -lt "$REPS" ]; do
            ab_stop
            t0=$(ab_now_ms)
            ab_start
            t1=$(ab_now_ms)
            echo $((t1 - t0)) >>"$AB_TMP/s"
            kernel_has "$n" || ab_fail "restart: the kernel's sets hold $(kernel_count) elements"
            sleep 1
            rss_kb >>"$AB_TMP/sr"
            j=$((j + 1))
        done
        r=$(median <"$AB_TMP/sr")
        echo "restart_ms $(median <"$AB_TMP/s") (median of $REPS); rss after restart $r kB" \
            "($(((r - e) * 1024 / n)) B/ban above empty);" \
            "$(grep -o 'startup_ms=[0-9]*' "$AB_DAEMON_LOG" | tail -1)"
        echo
    fi
done
fresh
