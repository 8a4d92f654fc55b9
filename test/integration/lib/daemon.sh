# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the daemon's integration cases (after lib/common.sh and ab_enter_netns): a config
# whose paths all live in $AB_TMP, starting and stopping alertband, the kernel's view of the
# chain, and alert lines of each sensor's format.

ALERTBAND="$AB_BUILD/src/alertband"
ALERTBAN="$AB_BUILD/src/alertban"
[ -x "$ALERTBAND" ] || ab_fail "$ALERTBAND is not built"
[ -x "$ALERTBAN" ] || ab_fail "$ALERTBAN is not built"
command -v jq >/dev/null 2>&1 || ab_fail "jq is not installed (scripts/setup installs it)"

AB_CONF="$AB_TMP/alertban.conf"
AB_LOG="$AB_TMP/alert.log"
AB_DAEMON_LOG="$AB_TMP/alertband.log"
AB_PID=""

# ab_write_config [EXTRA INI TEXT]: the [daemon], [input] and [firewall] sections with every
# path in $AB_TMP; the argument is appended (more keys go in their own sections).
# $AB_ON_EXIT sets on_exit; $AB_DAEMON_EXTRA adds lines to [daemon]; $AB_BACKEND sets the
# firewall backend (default iptables, whose rules most cases read; daemon-auto tests auto).
ab_write_config() {
    # Written beside and renamed into place: a running daemon follows the file and reloads at
    # each change, and must never load it half written.
    cat >"$AB_CONF.new" <<EOC
[daemon]
state_dir = $AB_TMP/state
socket = $AB_TMP/run/alertban.sock
on_exit = ${AB_ON_EXIT:-keep}
${AB_DAEMON_EXTRA:-}

[input]
path = $AB_LOG
start_at = beginning
idle_ms = 100

[firewall]
backend = ${AB_BACKEND:-iptables}
lock_file = $XTABLES_LOCKFILE
lock_timeout = 10s
EOC
    if [ $# -gt 0 ]; then
        printf '%s\n' "$1" >>"$AB_CONF.new"
    fi
    # The cases were written when one alert of any priority banned, and the alert lines below
    # are priority 2: say so, for each of those keys the case's own [policy] does not set.
    # AB_SHIPPED_POLICY=1 keeps the built-in defaults instead.
    if [ "${AB_SHIPPED_POLICY:-0}" != 1 ]; then
        set_keys=$(awk '/^\[/ { p = ($0 == "[policy]") } p && /=/ { sub(/[ \t]*=.*/, ""); print }' "$AB_CONF.new")
        {
            echo "[policy]"
            echo "$set_keys" | grep -qx priorities || echo "priorities ="
            echo "$set_keys" | grep -qx threshold || echo "threshold = 1/60s"
            echo "$set_keys" | grep -qx priority_thresholds || echo "priority_thresholds ="
        } >>"$AB_CONF.new"
    fi
    mv -f "$AB_CONF.new" "$AB_CONF"
}


# alertban COMMAND ARGS...: the CLI with this case's configuration.
abctl() {
    cmd=$1
    shift
    "$ALERTBAN" "$cmd" -c "$AB_CONF" "$@"
}

ab_daemon_up() {
    abctl status --json >/dev/null 2>&1
}

# ab_start [ARGS...]: starts alertband in the background and waits for its socket.
ab_start() {
    "$ALERTBAND" -c "$AB_CONF" --foreground "$@" >>"$AB_DAEMON_LOG" 2>&1 &
    AB_PID=$!
    ab_on_exit "kill -9 $AB_PID 2>/dev/null"
    deadline=$(( $(date +%s) + 20 ))
    while ! ab_daemon_up; do
        if ! kill -0 "$AB_PID" 2>/dev/null; then
            cat "$AB_DAEMON_LOG" >&2
            ab_fail "alertband exited at start"
        fi
        [ "$(date +%s)" -lt "$deadline" ] || ab_fail "alertband did not answer within 20 s"
        sleep 0.01
    done
}

# ab_stop: SIGTERM, and the exit status must be 0.
ab_stop() {
    kill -TERM "$AB_PID"
    rc=0
    wait "$AB_PID" || rc=$?
    [ "$rc" -eq 0 ] || { tail -20 "$AB_DAEMON_LOG" >&2; ab_fail "alertband exited with $rc on SIGTERM"; }
    AB_PID=""
}

# The addresses in the kernel's chain, one per line, sorted (duplicates kept).
ab_kernel_bans() {
    { iptables-legacy -S ALERTBAN 2>/dev/null; ip6tables-legacy -S ALERTBAN 2>/dev/null; } |
        sed -n 's,^-A ALERTBAN -s \([^ ]*\) .*,\1,p' | sed 's,/32$,,; s,/128$,,' | sort
}

ab_kernel_has() {
    ab_kernel_bans | grep -qx -- "$1"
}

ab_kernel_lacks() {
    ! ab_kernel_has "$1"
}

# The addresses `alertban list --json` shows (the daemon, or the store when it is down).
ab_list_addrs() {
    abctl list --json 2>/dev/null | jq -r '.bans[].addr' | sort
}

# ab_settled N: the daemon holds N bans and has nothing left to commit to the firewall or
# the store.
ab_settled() {
    abctl status --json | jq -e --argjson n "$1" \
        '.bans.total == $n and .firewall.pending == 0 and .store.pending == 0' >/dev/null
}

# Milliseconds since the epoch.
ab_now_ms() {
    echo $(( $(date +%s%N) / 1000000 ))
}

# Alert lines: fast-format lines of Snort 2, Snort 3 and Suricata.
# snort2_line SID MSG SRC SPORT DST DPORT
snort2_line() {
    printf '%s  [**] [1:%s:1] %s [**] [Classification: Attempted Information Leak] [Priority: 2] {TCP} %s:%s -> %s:%s\n' \
        "$(date +%m/%d-%H:%M:%S.000000)" "$1" "$2" "$3" "$4" "$5" "$6"
}
snort3_line() {
    printf '%s [**] [1:%s:1] "%s" [**] [Priority: 2] {TCP} %s:%s -> %s:%s\n' \
        "$(date +%m/%d-%H:%M:%S.000000)" "$1" "$2" "$3" "$4" "$5" "$6"
}
suricata_line() {
    printf '%s  [**] [1:%s:1] %s [**] [Classification: Misc Attack] [Priority: 2] {TCP} %s:%s -> %s:%s\n' \
        "$(date +%m/%d/%Y-%H:%M:%S.000000)" "$1" "$2" "$3" "$4" "$5" "$6"
}
