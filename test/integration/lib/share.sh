# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the share-*.sh cases (after lib/common.sh, ab_enter_netns and lib/daemon.sh): a
# real redis-server on a Unix socket in the scratch directory (a Unix socket reaches every
# network namespace), and several alertband nodes, each in a network namespace of its own
# (or in the case's own one), with its own configuration, state, socket and alert log.

command -v redis-server >/dev/null 2>&1 || ab_fail "redis-server is not installed (scripts/setup)"
command -v redis-cli >/dev/null 2>&1 || ab_fail "redis-cli is not installed (scripts/setup)"

SH_REDIS_DIR="$AB_TMP/redis"
SH_REDIS_SOCK="$SH_REDIS_DIR/redis.sock"
SH_REDIS_PID=""
mkdir -p "$SH_REDIS_DIR"

rcli() { redis-cli -s "$SH_REDIS_SOCK" "$@"; }

# sh_redis_start: redis-server with an append-only file (a restart keeps the stream).
sh_redis_start() {
    cat >"$SH_REDIS_DIR/redis.conf" <<EOC
port 0
unixsocket $SH_REDIS_SOCK
unixsocketperm 700
dir $SH_REDIS_DIR
save ""
appendonly yes
appendfsync everysec
logfile $SH_REDIS_DIR/redis.log
EOC
    redis-server "$SH_REDIS_DIR/redis.conf" &
    SH_REDIS_PID=$!
    ab_on_exit "kill -9 $SH_REDIS_PID 2>/dev/null"
    ab_wait_for 10 rcli ping
}

# sh_redis_stop: a clean shutdown (the append-only file is written out).
sh_redis_stop() {
    rcli shutdown >/dev/null 2>&1 || true
    wait "$SH_REDIS_PID" 2>/dev/null || true
    SH_REDIS_PID=""
}

# sh_node_config NAME [EXTRA INI TEXT]: $AB_TMP/NAME/alertban.conf, sharing as node NAME.
sh_node_config() {
    name=$1
    mkdir -p "$AB_TMP/$name"
    : >>"$AB_TMP/$name/alert.log"
    cat >"$AB_TMP/$name/alertban.conf" <<EOC
[daemon]
state_dir = $AB_TMP/$name/state
socket = $AB_TMP/$name/alertban.sock

[input]
path = $AB_TMP/$name/alert.log
start_at = beginning
idle_ms = 100

[policy]
max_bans_per_minute = 0
; The cases were written when one alert of any priority banned: they say so.
priorities =
threshold = 1/60s
priority_thresholds =

[firewall]
backend = ${SH_BACKEND:-iptables}
lock_file = $XTABLES_LOCKFILE
lock_timeout = 10s
verify_interval = 0

[share]
redis = unix:$SH_REDIS_SOCK
node = $name
prefix = t
EOC
    if [ $# -gt 1 ]; then
        printf '%s\n' "$2" >>"$AB_TMP/$name/alertban.conf"
    fi
}

# in_node NAME CMD...: runs CMD in the namespace of node NAME (its own, or the case's).
in_node() {
    name=$1
    shift
    ns=$(cat "$AB_TMP/$name/netns" 2>/dev/null || true)
    if [ -n "$ns" ]; then
        ip netns exec "$ns" "$@"
    else
        "$@"
    fi
}

# nctl NAME COMMAND ARGS...: the CLI of node NAME.
nctl() {
    name=$1 cmd=$2
    shift 2
    "$ALERTBAN" "$cmd" -c "$AB_TMP/$name/alertban.conf" "$@"
}

# sh_node_start NAME [NETNS]: starts node NAME's alertband (in NETNS when given) and waits
# for its socket.
sh_node_start() {
    name=$1
    if [ $# -gt 1 ]; then echo "$2" >"$AB_TMP/$name/netns"; fi
    ns=$(cat "$AB_TMP/$name/netns" 2>/dev/null || true)
    # nsenter execs alertband itself, so $! is its pid (kill -9 must reach it).
    if [ -n "$ns" ]; then
        nsenter --net="/run/netns/$ns" "$ALERTBAND" -c "$AB_TMP/$name/alertban.conf" \
            --foreground >>"$AB_TMP/$name/alertband.log" 2>&1 &
    else
        "$ALERTBAND" -c "$AB_TMP/$name/alertban.conf" --foreground \
            >>"$AB_TMP/$name/alertband.log" 2>&1 &
    fi
    echo $! >"$AB_TMP/$name/pid"
    ab_on_exit "kill -9 $! 2>/dev/null"
    deadline=$(( $(date +%s) + 20 ))
    while ! nctl "$name" status --json >/dev/null 2>&1; do
        if ! kill -0 "$(cat "$AB_TMP/$name/pid")" 2>/dev/null; then
            cat "$AB_TMP/$name/alertband.log" >&2
            ab_fail "alertband $name exited at start"
        fi
        [ "$(date +%s)" -lt "$deadline" ] || ab_fail "alertband $name did not answer within 20 s"
        sleep 0.01
    done
}

sh_node_stop() {
    pid=$(cat "$AB_TMP/$1/pid")
    kill -TERM "$pid"
    rc=0
    wait "$pid" || rc=$?
    [ "$rc" -eq 0 ] || { tail -20 "$AB_TMP/$1/alertband.log" >&2; ab_fail "alertband $1 exited with $rc"; }
}

sh_node_kill9() {
    pid=$(cat "$AB_TMP/$1/pid")
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
}

# sh_alert NAME SRC: one Snort alert from SRC in node NAME's log.
sh_alert() {
    snort2_line 2001219 "ET SCAN shared test" "$2" 4444 10.0.0.1 22 >>"$AB_TMP/$1/alert.log"
}

# The addresses in node NAME's kernel chain (iptables backend), sorted.
sh_kernel_bans() {
    in_node "$1" sh -c 'iptables-legacy -S ALERTBAN 2>/dev/null; ip6tables-legacy -S ALERTBAN 2>/dev/null' |
        sed -n 's,^-A ALERTBAN -s \([^ ]*\) .*,\1,p' | sed 's,/32$,,; s,/128$,,' | sort
}
sh_kernel_has() { sh_kernel_bans "$1" | grep -qx -- "$2"; }
sh_kernel_lacks() { ! sh_kernel_has "$1" "$2"; }
sh_kernel_count() { sh_kernel_bans "$1" | wc -l; }

# sh_status NAME JQ-FILTER: a member of node NAME's status.
sh_status() { nctl "$1" status --json | jq -r "$2"; }
sh_status_is() { [ "$(sh_status "$1" "$2")" = "$3" ]; }

sh_log_has() { grep -q -- "$2" "$AB_TMP/$1/alertband.log"; }

# sh_flood NAME FROM COUNT: COUNT alerts from distinct addresses 198.18.X.Y (the FROM-th
# onwards) in node NAME's log, in one write.
sh_flood() {
    awk -v from="$2" -v n="$3" -v ts="$(date +%m/%d-%H:%M:%S.000000)" 'BEGIN {
        for (i = from; i < from + n; i++)
            printf "%s  [**] [1:2001219:1] ET SCAN flood [**] [Classification: Attempted Information Leak] [Priority: 2] {TCP} 198.18.%d.%d:4444 -> 10.0.0.1:22\n", ts, int(i / 250), i % 250 + 1
    }' >>"$AB_TMP/$1/alert.log"
}
# How many of the flood's addresses node NAME's kernel chain bans; sh_flood_is NAME N.
sh_count_flood() { sh_kernel_bans "$1" | grep -c '^198\.18\.' || true; }
sh_flood_is() { [ "$(sh_count_flood "$1")" -eq "$2" ]; }
