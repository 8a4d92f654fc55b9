#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# alertband under the installed unit's own restrictions, reproduced without systemd: setpriv
# with the unit's User=, Group=, capability bounding and ambient sets (read from the unit
# `cmake --install` writes), NoNewPrivileges= and UMask=. The daemon user is in the sensor's
# log group and in socket_group (a private /etc/passwd and /etc/group in a mount namespace of
# the test's own). It reads a log in a 0750 directory of another owner (also after the sensor
# rotates it), bans through libiptc, serves list and status to a member of socket_group and
# refuses anyone else. Then the same outside systemd: root with user = alertban, and root alone
# keeping three capabilities.
set -eu
if [ -z "${AB_IN_MNTNS:-}" ]; then
    export AB_IN_MNTNS=1
    if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
        exec unshare -m "$0" "$@"
    fi
    . "$(dirname "$0")/lib/common.sh"
    ab_skip "no mount namespace (needs root)"
fi
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
command -v setpriv >/dev/null 2>&1 || ab_fail "setpriv (util-linux) is not installed"

echo "== the unit as installed"
DESTDIR="$AB_TMP/inst" cmake --install "$AB_BUILD" >/dev/null
UNIT=$(find "$AB_TMP/inst" -name alertban.service -path '*/systemd/system/*')
[ -f "$UNIT" ] || ab_fail "cmake --install wrote no alertban.service"
unit_value() {
    sed -n "s/^$1=//p" "$UNIT" | tail -1
}
# "CAP_NET_ADMIN CAP_NET_RAW" -> "-all,+net_admin,+net_raw", as setpriv takes them.
caps_arg() {
    printf '%s' '-all'
    for c in $1; do
        printf ',+%s' "$(echo "${c#CAP_}" | tr 'A-Z' 'a-z')"
    done
}
BOUNDING=$(unit_value CapabilityBoundingSet)
AMBIENT=$(unit_value AmbientCapabilities)
UNIT_USER=$(unit_value User)
UNIT_GROUP=$(unit_value Group)
UNIT_UMASK=$(unit_value UMask)
[ -n "$BOUNDING" ] && [ -n "$AMBIENT" ] && [ -n "$UNIT_USER" ] && [ -n "$UNIT_UMASK" ] ||
    ab_fail "the unit lacks CapabilityBoundingSet, AmbientCapabilities, User or UMask"
[ "$(unit_value NoNewPrivileges)" = yes ] || ab_fail "the unit lacks NoNewPrivileges=yes"
[ "$(unit_value Type)" = notify ] || ab_fail "the unit is not Type=notify"
echo "User=$UNIT_USER Group=$UNIT_GROUP bounding=[$BOUNDING] ambient=[$AMBIENT] UMask=$UNIT_UMASK"
# The unit's set as the kernel shows it in /proc/PID/status (CapEff, CapBnd).
unit_mask=$(python3 -c '
import ctypes.util, sys
caps = {"CAP_DAC_READ_SEARCH": 2, "CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13, "CAP_CHOWN": 0,
        "CAP_DAC_OVERRIDE": 1, "CAP_SETUID": 7, "CAP_SETGID": 6}
print("%016x" % sum(1 << caps[c] for c in sys.argv[1].split()))' "$AMBIENT")

echo "== users and groups of our own (the host's files are untouched)"
D_UID=4711 SENSOR_UID=4712 LOG_GID=4713 SOCK_GID=4714 MEMBER_UID=4715 OTHER_UID=4716
grep -v "^$UNIT_USER:" /etc/passwd >"$AB_TMP/passwd"
grep -v "^$UNIT_GROUP:" /etc/group >"$AB_TMP/group"
cat >>"$AB_TMP/passwd" <<P
$UNIT_USER:x:$D_UID:$D_UID::/nonexistent:/usr/sbin/nologin
absensor:x:$SENSOR_UID:$LOG_GID::/nonexistent:/usr/sbin/nologin
abmember:x:$MEMBER_UID:$MEMBER_UID::/nonexistent:/usr/sbin/nologin
abother:x:$OTHER_UID:$OTHER_UID::/nonexistent:/usr/sbin/nologin
P
cat >>"$AB_TMP/group" <<G
$UNIT_GROUP:x:$D_UID:
ablog:x:$LOG_GID:$UNIT_USER
absock:x:$SOCK_GID:$UNIT_USER,abmember
G
mount --bind "$AB_TMP/passwd" /etc/passwd
mount --bind "$AB_TMP/group" /etc/group
id "$UNIT_USER" | grep -q ablog || ab_fail "the private group file is not in use"

echo "== the sensor's log: owner absensor, group ablog, directory 0750"
chmod 0755 "$AB_TMP"
SENSOR_DIR="$AB_TMP/snort"
mkdir -m 0750 "$SENSOR_DIR"
AB_LOG="$SENSOR_DIR/alert"
: >"$AB_LOG"
chmod 0640 "$AB_LOG"
chown -R "$SENSOR_UID:$LOG_GID" "$SENSOR_DIR"
# What systemd makes before the start: StateDirectory=, RuntimeDirectory= and the lock.
mkdir -m 0700 "$AB_TMP/state"
mkdir -m 0755 "$AB_TMP/run"
chown "$D_UID:$D_UID" "$AB_TMP/state" "$AB_TMP/run"
: >"$XTABLES_LOCKFILE"
chmod 0644 "$XTABLES_LOCKFILE"

AB_DAEMON_EXTRA='socket_group = absock'
ab_write_config '
[policy]
ban_time = 1h
max_bans_per_minute = 0'
chmod 0644 "$AB_CONF"

as_unit() {
    # exec: in the background (or a subshell) one process, the one $! names, from the umask
    # to the daemon.
    exec sh -c 'umask "$0" && exec "$@"' "$UNIT_UMASK" \
        setpriv --reuid="$UNIT_USER" --regid="$UNIT_GROUP" --init-groups \
        --inh-caps="$(caps_arg "$AMBIENT")" --ambient-caps="$(caps_arg "$AMBIENT")" \
        --bounding-set="$(caps_arg "$BOUNDING")" --no-new-privs "$@"
}
start_daemon() {
    : >"$AB_DAEMON_LOG"
    "$@" >>"$AB_DAEMON_LOG" 2>&1 &
    AB_PID=$!
    ab_on_exit "kill -9 $AB_PID 2>/dev/null"
    deadline=$(( $(date +%s) + 20 ))
    while ! ab_daemon_up; do
        kill -0 "$AB_PID" 2>/dev/null || { cat "$AB_DAEMON_LOG" >&2; ab_fail "alertband exited at start"; }
        [ "$(date +%s)" -lt "$deadline" ] || ab_fail "alertband did not answer within 20 s"
        sleep 0.01
    done
}
# proc_field PID NAME: a line of /proc/PID/status without its name.
proc_field() {
    sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"
}
cli_as() {
    uid=$1
    shift
    setpriv --reuid="$uid" --regid="$uid" --init-groups --inh-caps=-all --bounding-set=-all \
        "$ALERTBAN" "$@" -c "$AB_CONF"
}

# One round of checks, for a daemon running as the unit's user: its identity and capabilities,
# a ban from the sensor's log, one after the sensor rotates it, the socket's access.
check_daemon() {
    what=$1 addr1=$2 addr2=$3
    echo "== $what: identity and capabilities"
    [ "$(proc_field "$AB_PID" Uid)" = "$D_UID	$D_UID	$D_UID	$D_UID" ] ||
        ab_fail "uid is not $D_UID: $(proc_field "$AB_PID" Uid)"
    [ "$(proc_field "$AB_PID" CapEff)" = "$unit_mask" ] ||
        ab_fail "CapEff $(proc_field "$AB_PID" CapEff), not $unit_mask"
    [ "$(proc_field "$AB_PID" CapPrm)" = "$unit_mask" ] || ab_fail "CapPrm is not $unit_mask"
    [ "$(proc_field "$AB_PID" CapBnd)" = "$unit_mask" ] || ab_fail "CapBnd is not $unit_mask"
    [ "$(proc_field "$AB_PID" NoNewPrivs)" = 1 ] || ab_fail "no_new_privs is not set"
    proc_field "$AB_PID" Groups | tr ' ' '\n' | grep -qx "$LOG_GID" || ab_fail "not in ablog"

    echo "== $what: an alert in the sensor's log becomes a ban through libiptc"
    snort2_line 2001219 "ET SCAN Potential SSH Scan" "$addr1" 40001 192.0.2.1 22 >>"$AB_LOG"
    ab_wait_for 10 ab_kernel_has "$addr1"

    echo "== $what: the sensor rotates its log; the new file is read through the group"
    mv "$AB_LOG" "$AB_LOG.1"
    : >"$AB_LOG"
    chown "$SENSOR_UID:$LOG_GID" "$AB_LOG"
    chmod 0640 "$AB_LOG"
    sleep 0.3
    snort2_line 2001219 "ET SCAN Potential SSH Scan" "$addr2" 40002 192.0.2.1 22 >>"$AB_LOG"
    ab_wait_for 10 ab_kernel_has "$addr2"
    if grep -qi 'permission denied' "$AB_DAEMON_LOG"; then
        cat "$AB_DAEMON_LOG" >&2
        ab_fail "permission denied in the daemon's log"
    fi

    echo "== $what: the socket is the user's and socket_group's, 0660"
    [ "$(stat -c '%a %u %g' "$AB_TMP/run/alertban.sock")" = "660 $D_UID $SOCK_GID" ] ||
        ab_fail "socket is $(stat -c '%a %u %g' "$AB_TMP/run/alertban.sock")"
    db=$(find "$AB_TMP/state" -name '*.db' | head -1)
    [ "$(stat -c '%a %u' "$db")" = "600 $D_UID" ] || ab_fail "$db is $(stat -c '%a %u' "$db")"

    echo "== $what: a member of socket_group reads, anyone else is refused"
    cli_as "$MEMBER_UID" list --json | jq -e --arg a "$addr2" 'any(.bans[]; .addr == $a)' >/dev/null ||
        ab_fail "a member of socket_group cannot list"
    cli_as "$MEMBER_UID" status --json | jq -e '.bans.total >= 2' >/dev/null ||
        ab_fail "a member of socket_group cannot get the status"
    if cli_as "$OTHER_UID" status >"$AB_TMP/other.out" 2>&1; then
        ab_fail "a user outside socket_group got the status"
    fi
    grep -qi 'permission denied' "$AB_TMP/other.out" ||
        { cat "$AB_TMP/other.out" >&2; ab_fail "the refusal does not say permission denied"; }
    echo "refused: $(head -1 "$AB_TMP/other.out")"
    if cli_as "$MEMBER_UID" ban 198.51.100.99 >/dev/null 2>&1; then
        ab_fail "a member of socket_group could ban"
    fi
    abctl ban 198.51.100.9 >/dev/null
    ab_wait_for 10 ab_kernel_has 198.51.100.9
    abctl unban 198.51.100.9 >/dev/null
    ab_wait_for 10 ab_kernel_lacks 198.51.100.9
}

# A sanitized build: LeakSanitizer stops the threads with ptrace() at exit, which a daemon
# without CAP_SYS_PTRACE cannot (it would report what only they reference as leaks), so the
# unprivileged daemons run without the leak check, and root keeps CAP_SYS_PTRACE (priv.c).
SANITIZED=0
if grep -q '^SANITIZE:STRING=.' "$AB_BUILD/CMakeCache.txt" 2>/dev/null; then
    SANITIZED=1
fi
# Only in start_daemon's background job (so the export stays there); the job becomes the
# daemon (as_unit execs), so that $! is the daemon's pid.
no_leak_check() {
    [ "$SANITIZED" = 0 ] || export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    if [ "$1" = as_unit ]; then
        "$@"
    else
        exec "$@"
    fi
}

echo "== under the unit's restrictions"
start_daemon no_leak_check as_unit "$ALERTBAND" -c "$AB_CONF"
check_daemon "unit" 203.0.113.21 203.0.113.22
ab_stop

echo "== a user not in socket_group is told how to fix it"
# Rewritten in place: the bind mount holds the file's inode.
set_socket_members() {
    sed "s/^absock:x:\([0-9]*\):.*/absock:x:\1:$1/" "$AB_TMP/group" >"$AB_TMP/group.new"
    cat "$AB_TMP/group.new" >"$AB_TMP/group"
}
set_socket_members abmember
if (as_unit timeout 20 "$ALERTBAND" -c "$AB_CONF") >"$AB_TMP/nogroup.out" 2>&1; then
    ab_fail "alertband started though it cannot hand its socket to socket_group"
fi
grep -q 'SupplementaryGroups=absock' "$AB_TMP/nogroup.out" ||
    { cat "$AB_TMP/nogroup.out" >&2; ab_fail "no hint at SupplementaryGroups="; }
set_socket_members "$UNIT_USER,abmember"

echo "== outside systemd: root with user = $UNIT_USER becomes it, with the same capabilities"
rm -rf "$AB_TMP/run"
chown root:root "$AB_TMP/state" "$AB_TMP/state"/*
AB_DAEMON_EXTRA="socket_group = absock
user = $UNIT_USER"
ab_write_config '
[policy]
ban_time = 1h
max_bans_per_minute = 0'
chmod 0644 "$AB_CONF"
start_daemon no_leak_check "$ALERTBAND" -c "$AB_CONF" --foreground
check_daemon "user = $UNIT_USER" 203.0.113.23 203.0.113.24
grep -q "priv: running as user=$UNIT_USER uid=$D_UID" "$AB_DAEMON_LOG" || ab_fail "no line for the switch"
ab_stop

echo "== outside systemd as root: net_admin, net_raw and dac_read_search, nothing else"
AB_DAEMON_EXTRA='socket_group = absock'
ab_write_config
# The state so far is the alertban user's; the daemon refuses a state_dir another user owns.
chown -R 0:0 "$AB_TMP/state"
start_daemon "$ALERTBAND" -c "$AB_CONF" --foreground
root_mask=$(printf '%016x' $(( (1 << 2) | (1 << 12) | (1 << 13) | (SANITIZED << 19) )))
[ "$(proc_field "$AB_PID" CapEff)" = "$root_mask" ] || ab_fail "root keeps CapEff $(proc_field "$AB_PID" CapEff)"
[ "$(proc_field "$AB_PID" CapBnd)" = "$root_mask" ] || ab_fail "root keeps CapBnd $(proc_field "$AB_PID" CapBnd)"
[ "$(proc_field "$AB_PID" NoNewPrivs)" = 1 ] || ab_fail "no_new_privs is not set"
snort2_line 2001219 "ET SCAN Potential SSH Scan" 203.0.113.25 40003 192.0.2.1 22 >>"$AB_LOG"
ab_wait_for 10 ab_kernel_has 203.0.113.25
ab_stop
echo "PASS"
