#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# One side of scripts/bench compare, in a network namespace of its own (ab_enter_netns makes
# a fresh one per invocation): starts alertband or fail2ban with every path in a scratch
# directory, runs the given steps against it one after the other and prints one line per
# figure: "result TOOL STEP key=value...". The kernel is read in-process through libiptc by
# test/bench/bench-kernel (fail2ban's ipset by `ipset list -t`), never by forking per poll.
#
# compare-run.sh TOOL STEP...
#   TOOL  alertban | f2b-iptables (fail2ban, iptables-allports) | f2b-ipset (fail2ban,
#         iptables-ipset type=allports); fail2ban calls iptables-legacy -w.
#   STEP  latency:N   N single alerts, one at a time, write() to ban seen
#         burst:N     N alerts for distinct addresses in one write(), until all are banned
#         restart     stop and start the daemon with the bans in force, sampling the kernel
#         expiry      after a burst: wait until its bans are due, then until all are gone
#         parse:N     an N-line file through alertban parse (output to /dev/null) and the
#                     parser alone (bench-parse), or through fail2ban-regex
# Environment: BENCH_BANTIME (seconds, default 3600), BENCH_TIMEOUT (seconds any one wait may
# take, default 240; a wait that ends there is reported as timed_out), BENCH_EXPIRY_TIMEOUT
# (seconds the expiry step waits after the bans are due, default BENCH_TIMEOUT),
# BENCH_RESTART_TIMEOUT (seconds from the start until all bans are back, default
# BENCH_TIMEOUT).
# Addresses: 198.18.0.0/15 only (bench-kernel numbers them from 198.18.0.0).
set -eu
# test/bench/compare.sh sets ALERTBAN_SOURCE_DIR (common.sh would take test/ for the checkout).
. "$(dirname "$0")/../../integration/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/../../integration/lib/daemon.sh"

TOOL=$1
shift
BANTIME=${BENCH_BANTIME:-3600}
TIMEOUT=${BENCH_TIMEOUT:-240}
EXPIRY_TIMEOUT=${BENCH_EXPIRY_TIMEOUT:-$TIMEOUT}
RESTART_TIMEOUT=${BENCH_RESTART_TIMEOUT:-$TIMEOUT}
KERNEL="$AB_BUILD/test/bench-kernel"
[ -x "$KERNEL" ] || ab_fail "$KERNEL is not built"
F2B_SRC="$AB_SRC/test/bench/fail2ban"
F2B_CONF="$AB_TMP/fail2ban"
PID=""
STARTED=0
NEXT=1          # next unused address index
BURST_WRITE_US=0

now_us() { echo $(($(date +%s%N) / 1000)); }
result() { echo "result $TOOL $*"; }

case $TOOL in
alertban) SOURCE=ALERTBAN ;;
f2b-iptables)
    SOURCE=f2b-bench
    ACTION='iptables-allports[name=bench, iptables="iptables-legacy <lockingopt>"]' ;;
f2b-ipset)
    SOURCE=ipset:f2b-bench
    ACTION='iptables-ipset[name=bench, type=allports, iptables="iptables-legacy <lockingopt>"]' ;;
*) ab_fail "unknown tool $TOOL" ;;
esac

# fail2ban's configuration directory: the installed one's files (its actions, fail2ban.conf,
# jail.conf, paths) except jail.d and any *.local, plus test/bench/fail2ban with this run's
# paths. Nothing of /etc/fail2ban is changed.
f2b_configure() {
    mkdir -p "$F2B_CONF/filter.d"
    for f in /etc/fail2ban/*; do
        case ${f##*/} in
        jail.d | filter.d | *.local) ;;
        *) ln -s "$f" "$F2B_CONF/" ;;
        esac
    done
    for f in /etc/fail2ban/filter.d/*; do ln -s "$f" "$F2B_CONF/filter.d/"; done
    cp "$F2B_SRC/filter.d/alertban-snort.conf" "$F2B_CONF/filter.d/"
    sed "s|@TMP@|$AB_TMP|g" "$F2B_SRC/fail2ban.local" >"$F2B_CONF/fail2ban.local"
    sed -e "s|@LOG@|$AB_LOG|" -e "s|@BANTIME@|$BANTIME|" -e "s|@ACTION@|$ACTION|" \
        "$F2B_SRC/jail.local" >"$F2B_CONF/jail.local"
}

f2b_client() { fail2ban-client -c "$F2B_CONF" "$@"; }

# Starts the tool and waits until it answers; START_MS is how long that took.
start_tool() {
    t0=$(now_us)
    if [ "$TOOL" = alertban ]; then
        ab_start
        PID=$AB_PID
    else
        fail2ban-server -f -x -c "$F2B_CONF" >>"$AB_TMP/fail2ban.out" 2>&1 &
        PID=$!
        ab_on_exit "kill -9 $PID 2>/dev/null"
        deadline=$(($(date +%s) + 60))
        until f2b_client status bench >/dev/null 2>&1; do
            kill -0 "$PID" 2>/dev/null || { cat "$AB_TMP/fail2ban.out" "$AB_TMP/fail2ban.log" >&2; ab_fail "fail2ban-server exited"; }
            [ "$(date +%s)" -lt "$deadline" ] || ab_fail "fail2ban did not answer within 60 s"
            sleep 0.01
        done
    fi
    START_MS=$((($(now_us) - t0) / 1000))
}

stop_tool() {
    if [ "$TOOL" = alertban ]; then
        ab_stop
    else
        f2b_client stop >/dev/null 2>&1 || true
        deadline=$(($(date +%s) + TIMEOUT))
        while kill -0 "$PID" 2>/dev/null; do
            [ "$(date +%s)" -lt "$deadline" ] || { kill -9 "$PID"; break; }
            sleep 0.01
        done
        wait "$PID" 2>/dev/null || true
    fi
}

ensure_started() {
    [ "$STARTED" -eq 0 ] || return 0
    STARTED=1
    : >"$AB_LOG"
    if [ "$TOOL" = alertban ]; then
        AB_DAEMON_EXTRA="max_bans = 1000000" ab_write_config "
[policy]
ban_time = ${BANTIME}s
max_ban_time = 30d
extend = 0
max_bans_per_minute = 0
max_tracked = 1000000"
    else
        f2b_configure
    fi
    start_tool
    # One ban first, so the measured ones do not include setting up the chain or the ipset
    # (fail2ban creates them at its first ban).
    "$KERNEL" burst "$AB_LOG" "$SOURCE" 1 "$NEXT" "$PID" 60000 >/dev/null ||
        ab_fail "$TOOL did not ban the first address within 60 s"
    NEXT=$((NEXT + 1))
}

# quantile Q: the Q-quantile of the numbers on stdin, nearest rank.
quantile() {
    sort -n | awk -v q="$1" '{ v[NR] = $1 } END { i = int(q * NR + 0.999999); if (i < 1) i = 1;
        print v[i] }'
}
ms() { awk -v us="$1" 'BEGIN { printf "%.3f", us / 1000 }'; }

step_latency() {
    n=$1
    [ "$SOURCE" = "${SOURCE#ipset:}" ] || ab_fail "latency reads a chain, not an ipset"
    "$KERNEL" latency "$AB_LOG" "$SOURCE" "$n" "$NEXT" 10000 >"$AB_TMP/lat"
    NEXT=$((NEXT + n))
    grep -v timeout "$AB_TMP/lat" >"$AB_TMP/lat-ok" || true
    ok=$(wc -l <"$AB_TMP/lat-ok")
    [ "$ok" -gt 0 ] || { result "latency n=$n ok=0 timed_out_s=10"; return; }
    result "latency n=$n ok=$ok p50_ms=$(ms "$(quantile 0.5 <"$AB_TMP/lat-ok")")" \
        "p99_ms=$(ms "$(quantile 0.99 <"$AB_TMP/lat-ok")")" \
        "max_ms=$(ms "$(quantile 1 <"$AB_TMP/lat-ok")")"
}

step_burst() {
    n=$1
    rc=0
    "$KERNEL" burst "$AB_LOG" "$SOURCE" "$n" "$NEXT" "$PID" $((TIMEOUT * 1000)) >"$AB_TMP/burst" || rc=$?
    NEXT=$((NEXT + n))
    read -r out <"$AB_TMP/burst"
    BURST_WRITE_US=$(echo "$out" | sed -n 's/.*write_epoch_us=\([0-9]*\).*/\1/p')
    us=$(echo "$out" | sed -n 's/.*time_us=\([0-9]*\).*/\1/p')
    cpu=$(echo "$out" | sed -n 's/.*cpu_s=\([0-9.-]*\).*/\1/p')
    kb=$(echo "$out" | sed -n 's/.*hwm_kb=\([0-9-]*\).*/\1/p')
    banned=$(echo "$out" | sed -n 's/.*banned=\([0-9]*\).*/\1/p')
    rss="rss_mb=$(awk -v kb="$kb" 'BEGIN { printf "%.1f", kb / 1024 }')"
    if [ "$rc" -ne 0 ]; then
        result "burst n=$n timed_out_s=$TIMEOUT banned=$banned cpu_s=$cpu $rss"
    else
        result "burst n=$n time_s=$(awk -v us="$us" 'BEGIN { printf "%.3f", us / 1e6 }')" \
            "bans_per_s=$(awk -v us="$us" -v n="$n" 'BEGIN { printf "%.0f", n * 1e6 / us }')" \
            "cpu_s=$cpu $rss"
    fi
}

step_restart() {
    n=$("$KERNEL" count "$SOURCE")
    rm -f "$AB_TMP/watch-ready"
    "$KERNEL" watch "$SOURCE" "$n" $(((RESTART_TIMEOUT + TIMEOUT + 60) * 1000)) "$AB_TMP/watch-ready" \
        >"$AB_TMP/watch" &
    wpid=$!
    ab_on_exit "kill $wpid 2>/dev/null"
    ab_wait_for 10 test -e "$AB_TMP/watch-ready"
    kill -USR1 "$wpid"
    stop_tool
    kill -USR2 "$wpid"
    start_tool
    serving_ms=$START_MS
    # The watcher ends when all are back; past RESTART_TIMEOUT from the start it is stopped.
    deadline=$(($(date +%s) + RESTART_TIMEOUT))
    while kill -0 "$wpid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
        sleep 0.05
    done
    kill -TERM "$wpid" 2>/dev/null || true
    rc=0
    wait "$wpid" || rc=$?
    out=$(cat "$AB_TMP/watch")
    fewest=$(echo "$out" | sed -n 's/.*fewest=\([0-9]*\).*/\1/p')
    samples=$(echo "$out" | sed -n 's/.*samples=\([0-9]*\).*/\1/p')
    if [ "$rc" -ne 0 ]; then
        have=$("$KERNEL" count "$SOURCE")
        result "restart n=$n timed_out_s=$RESTART_TIMEOUT back=$have fewest=$fewest samples=$samples"
        return
    fi
    kernel_ms=$(($(echo "$out" | sed -n 's/.*from_start_us=\([0-9]*\).*/\1/p') / 1000))
    # Enforced again: the daemon answers and the kernel holds every ban.
    again=$serving_ms
    [ "$kernel_ms" -le "$again" ] || again=$kernel_ms
    result "restart n=$n enforced_s=$(awk -v ms="$again" 'BEGIN { printf "%.3f", ms / 1000 }')" \
        "serving_ms=$serving_ms kernel_ms=$kernel_ms fewest=$fewest samples=$samples"
}

step_expiry() {
    [ "$BURST_WRITE_US" -gt 0 ] || { result "expiry skipped=no-burst"; return; }
    n=$("$KERNEL" count "$SOURCE")
    due_us=$((BURST_WRITE_US + BANTIME * 1000000))
    left_ms=$(((due_us - $(now_us)) / 1000))
    [ "$left_ms" -gt 0 ] || { result "expiry n=$n skipped=bans-due-before-all-were-in"; return; }
    if "$KERNEL" wait "$SOURCE" le 0 $((left_ms + EXPIRY_TIMEOUT * 1000)) >"$AB_TMP/gone"; then
        gone_us=$(cat "$AB_TMP/gone")
        result "expiry n=$n gone_s=$(awk -v us=$((gone_us - due_us)) 'BEGIN { printf "%.3f", us / 1e6 }')"
    else
        result "expiry n=$n timed_out_s=$EXPIRY_TIMEOUT left=$("$KERNEL" count "$SOURCE")"
    fi
}

step_parse() {
    n=$1
    "$KERNEL" lines "$n" 1 >"$AB_TMP/parse.log"
    t0=$(now_us)
    if [ "$TOOL" = alertban ]; then
        "$ALERTBAN" parse "$AB_TMP/parse.log" >/dev/null 2>"$AB_TMP/parse.err"
        us=$(($(now_us) - t0))
        got=$(sed -n 's/^alertban parse: \([0-9]*\) alerts parsed.*/\1/p' "$AB_TMP/parse.err")
    else
        got=$(fail2ban-regex "$AB_TMP/parse.log" "$F2B_SRC/filter.d/alertban-snort.conf" |
            sed -n 's/^Lines: .* \([0-9]*\) matched.*/\1/p')
        us=$(($(now_us) - t0))
    fi
    [ "$got" = "$n" ] || ab_fail "$TOOL parse matched $got of $n lines"
    result "parse n=$n time_s=$(awk -v us="$us" 'BEGIN { printf "%.3f", us / 1e6 }')" \
        "lines_per_s=$(awk -v us="$us" -v n="$n" 'BEGIN { printf "%.0f", n * 1e6 / us }')"
    if [ "$TOOL" = alertban ]; then
        # The parser alone (an AlertReader fed from memory, as the daemon feeds it).
        out=$("$AB_BUILD/test/bench-parse" "$AB_TMP/parse.log")
        result "parser n=$n lines_per_s=$(echo "$out" | sed -n 's/.*lines_per_s=\([0-9]*\).*/\1/p')"
    fi
}

for step in "$@"; do
    arg=${step#*:}
    case $step in
    latency:*) ensure_started; step_latency "$arg" ;;
    burst:*) ensure_started; step_burst "$arg" ;;
    restart) ensure_started; step_restart ;;
    expiry) ensure_started; step_expiry ;;
    parse:*) step_parse "$arg" ;;
    *) ab_fail "unknown step $step" ;;
    esac
done
if [ "$STARTED" -eq 1 ]; then
    stop_tool
fi
