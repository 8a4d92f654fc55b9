#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `alertband --check-config`: a valid file prints the effective configuration and exits 0; an
# invalid one exits 1 naming FILE:LINE on stderr. Needs no network namespace.
. "$(dirname "$0")/lib/common.sh"

bin="$AB_BUILD/src/alertband"
[ -x "$bin" ] || ab_fail "missing $bin (build first)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/alertban-cc.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset ALERTBAN_STATE_DIR ALERTBAN_SOCKET ALERTBAN_INPUT_PATH ALERTBAN_LOCK_FILE ALERTBAN_CONFIG

# 0. --version answers without reading any configuration.
ver=$("$bin" --version -c /nonexistent/alertban.conf) || ab_fail "alertband --version failed"
[ "$ver" = "alertband $(sed -n 's/^project(alertban VERSION \([0-9.]*\).*/\1/p' "$AB_SRC/CMakeLists.txt")" ] ||
    ab_fail "alertband --version printed '$ver'"

# 1. The checkout's documented sample is valid.
"$bin" --check-config -c "$AB_SRC/etc/alertban.conf" >"$tmp/sample.out" 2>"$tmp/sample.err" ||
    ab_fail "sample config rejected: $(cat "$tmp/sample.err")"
grep -qx "state_dir = $(cd "$AB_SRC" && pwd -P)/state" "$tmp/sample.out" ||
    grep -qx "state_dir = $AB_SRC/state" "$tmp/sample.out" || ab_fail "sample state_dir not resolved"

# 2. A good config: values, relative paths, rule sections and a whitelist file show up.
mkdir -p "$tmp/conf"
printf '# trusted\n192.0.2.0/24\n1:2000\n' >"$tmp/conf/wl.txt"
cat >"$tmp/conf/good.conf" <<'CONF'
[daemon]
state_dir = state
dry_run = yes
[input]
path = /var/log/suricata/fast.log
path = logs/alert_*
[policy]
threshold = 10/120s
ban_time = 2h
priorities = 1 2 3
protect = 198.51.100.0/24
[whitelist]
file = wl.txt
[firewall]
hooks = INPUT FORWARD
action = reject
[rule 1:1000001]
track = dst
CONF
"$bin" --check-config -c "$tmp/conf/good.conf" >"$tmp/good.out" 2>"$tmp/good.err" ||
    ab_fail "good config rejected (exit $?): $(cat "$tmp/good.err")"
for line in "state_dir = $tmp/conf/state" "dry_run = yes" "path = /var/log/suricata/fast.log" \
    "path = $tmp/conf/logs/alert_*" "threshold = 10/2m" "ban_time = 2h" "priorities = 1-3" \
    "protect = 198.51.100.0/24" "file = $tmp/conf/wl.txt" "hooks = INPUT FORWARD" \
    "action = reject" "[rule 1:1000001]" "track = dst"; do
    grep -qxF "$line" "$tmp/good.out" || ab_fail "'$line' missing from: $(cat "$tmp/good.out")"
done
grep -q "the files hold 1 addresses or networks and 1 rules" "$tmp/good.out" ||
    ab_fail "whitelist file not loaded"
grep -q "is valid" "$tmp/good.err" || ab_fail "no confirmation on stderr"

# The printed configuration is itself valid and prints the same.
cp "$tmp/good.out" "$tmp/conf/again.conf"
"$bin" --check-config -c "$tmp/conf/again.conf" >"$tmp/again.out" 2>/dev/null ||
    ab_fail "printed config is not valid"
tail -n +2 "$tmp/good.out" >"$tmp/a" && tail -n +2 "$tmp/again.out" >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" || ab_fail "printed config does not round-trip"

# Environment overrides apply to what is printed.
ALERTBAN_STATE_DIR=/tmp/ab-env-state "$bin" --check-config -c "$tmp/conf/good.conf" 2>/dev/null |
    grep -qx "state_dir = /tmp/ab-env-state" || ab_fail "ALERTBAN_STATE_DIR ignored"
# ALERTBAN_CONFIG names the file when -c is not given.
ALERTBAN_CONFIG="$tmp/conf/good.conf" "$bin" --check-config >/dev/null 2>&1 ||
    ab_fail "ALERTBAN_CONFIG not used"

# 3. Bad configs: exit 1, FILE:LINE and what was expected on stderr, nothing on stdout.
check_bad() {
    name=$1 expect=$2
    shift 2
    printf "$@" >"$tmp/conf/$name.conf"
    rc=0
    "$bin" --check-config -c "$tmp/conf/$name.conf" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
    [ "$rc" -eq 1 ] || ab_fail "$name: exit $rc, expected 1"
    [ -s "$tmp/$name.out" ] && ab_fail "$name: printed a configuration"
    grep -qF "alertband: $tmp/conf/$name.conf:$expect" "$tmp/$name.err" ||
        ab_fail "$name: stderr was: $(cat "$tmp/$name.err")"
}
check_bad unknown-key "3: unknown key 'bantime' in [policy]" '[daemon]\n[policy]\nbantime = 1h\n'
check_bad bad-duration "2: ban_time: expected a duration" '[policy]\nban_time = forever\n'
check_bad unknown-section "4: unknown section [polcy]" '[policy]\n\n; x\n[polcy]\n'
check_bad long-line "2: line is 250 bytes long" "[policy]\nswap_marker = %0236d\n" 0
check_bad threshold "2: threshold: expected N/T" '[rule 1:5]\nthreshold = 10\n'

printf '192.0.2.0/24\n192.0.2.1/24\n' >"$tmp/conf/badwl.txt"
printf '[whitelist]\nfile = badwl.txt\n' >"$tmp/conf/wlref.conf"
rc=0
"$bin" --check-config -c "$tmp/conf/wlref.conf" >/dev/null 2>"$tmp/wl.err" || rc=$?
[ "$rc" -eq 1 ] || ab_fail "bad whitelist file: exit $rc"
grep -qF "$tmp/conf/badwl.txt:2: expected an address" "$tmp/wl.err" ||
    ab_fail "bad whitelist file: stderr was: $(cat "$tmp/wl.err")"

rc=0
"$bin" --check-config -c "$tmp/none.conf" >/dev/null 2>"$tmp/none.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "No such file" "$tmp/none.err" || ab_fail "missing file not reported"

rc=0
"$bin" --check-config --bogus >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || ab_fail "unknown option accepted"
echo "PASS: check-config"
