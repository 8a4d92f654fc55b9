#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Keeps the documentation honest and checks the install. Needs no network namespace.
#  1. Every section/key the configuration parser accepts (as `alertband --check-config` prints
#     them) is documented in alertban.conf(5) under its section and set or shown in
#     etc/alertban.conf; alertban.conf(5) documents no key the parser does not know.
#  2. Every command of the alertban command table is in alertban(8) (synopsis and COMMANDS) and
#     in the bash completion, which completes it and each of its long options; every long
#     option of every command and of alertband is in the man pages.
#  3. The man pages render without warnings.
#  4. `cmake --install` (into a scratch DESTDIR) puts binaries, unit, man pages, completion and
#     the sample configuration in place; a second install keeps a modified configuration.
#  5. The README and doc/*.md against the programs and the tree: every firewall backend the
#     configuration accepts is described in alertband(8), alertban.conf(5) and the README's
#     introduction; the README stays a user's document (at most 320 lines, its first two
#     commands executable scripts, every CLI command shown, the CLI's exit statuses as
#     `alertban --help` gives them); its `alertban list` example is what the CLI prints for
#     the same bans on a real daemon (dry run, so no firewall is touched); `unban` of an
#     address with no ban exits 1 with and without --json, as the documents say; every test
#     file is in doc/HACKING.md's table and every row is a test file; every src/ folder has a
#     section in doc/ARCHITECTURE.md, every .c file is named there, no module's description
#     is longer than 80 words; every repository path the documents name exists.
. "$(dirname "$0")/lib/common.sh"

daemon="$AB_BUILD/src/alertband"
cli="$AB_BUILD/src/alertban"
[ -x "$daemon" ] && [ -x "$cli" ] || ab_fail "missing $daemon or $cli (build first)"
conf5="$AB_SRC/doc/alertban.conf.5"
man8="$AB_SRC/doc/alertban.8"
mand8="$AB_SRC/doc/alertband.8"
sample="$AB_SRC/etc/alertban.conf"
completion="$AB_SRC/etc/alertban.bash-completion"
for f in "$conf5" "$man8" "$mand8" "$sample" "$completion"; do
    [ -f "$f" ] || ab_fail "missing $f"
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/alertban-docs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset ALERTBAN_STATE_DIR ALERTBAN_SOCKET ALERTBAN_INPUT_PATH ALERTBAN_LOCK_FILE ALERTBAN_CONFIG
failures=0
bad() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# ---- 1. configuration keys ----

# "section key" pairs from INI text: [rule G:S] counts as section "rule"; with $2 = commented,
# lines commented out with ';' count too (the sample shows some keys only as examples).
ini_keys() {
    awk -v commented="${2:-}" '
        { line = $0 }
        commented != "" { sub(/^;[ \t]*/, "", line) }
        line ~ /^\[/ {
            s = line; sub(/^\[/, "", s); sub(/[] \t].*$/, "", s); section = s; next
        }
        line ~ /^[a-z_][a-z0-9_]*[ \t]*=/ && section != "" {
            k = line; sub(/[ \t]*=.*$/, "", k); print section " " k
        }' "$1" | sort -u
}

# Every key the parser accepts, printed back by --check-config: the defaults, plus the keys
# printed only when set (a whitelist file, a [rule] section with all its keys).
printf '' >"$tmp/empty.conf"
printf '192.0.2.1\n' >"$tmp/wl.txt"
cat >"$tmp/full.conf" <<'CONF'
[whitelist]
file = wl.txt
[rule 1:1000001]
threshold = 10/120s
ban_time = 2h
track = dst
ignore = no
CONF
for c in empty full; do
    "$daemon" --check-config -c "$tmp/$c.conf" >"$tmp/$c.out" 2>"$tmp/$c.err" ||
        ab_fail "--check-config rejected $c.conf: $(cat "$tmp/$c.err")"
done
ini_keys "$tmp/empty.out" >"$tmp/default-keys"
ini_keys "$tmp/full.out" >"$tmp/all-keys"
[ "$(wc -l <"$tmp/default-keys")" -ge 30 ] || ab_fail "too few keys from --check-config"
grep -qx 'rule track' "$tmp/all-keys" && grep -qx 'whitelist file' "$tmp/all-keys" ||
    ab_fail "--check-config did not print the rule section or the whitelist file"

# The man page's keys: the tag (first word of the line after .TP) in each .SH "[section]".
awk '
    /^\.SH / {
        s = $0; sub(/^\.SH[ \t]+"?/, "", s); sub(/"$/, "", s)
        if (s ~ /^\[/) { sub(/^\[/, "", s); sub(/[] \t].*$/, "", s); section = s } else section = ""
        tag = 0; next
    }
    /^\.TP/ { tag = 1; next }
    tag == 1 {
        tag = 0
        if (section != "" && $1 ~ /^\.B[IR]?$/) { k = $2; gsub(/"/, "", k); print section " " k }
    }' "$conf5" | sort -u >"$tmp/man-keys"
comm -23 "$tmp/all-keys" "$tmp/man-keys" >"$tmp/undocumented"
[ -s "$tmp/undocumented" ] && bad "keys missing from alertban.conf.5: $(tr '\n' ',' <"$tmp/undocumented")"
comm -13 "$tmp/all-keys" "$tmp/man-keys" >"$tmp/unknown"
[ -s "$tmp/unknown" ] && bad "alertban.conf.5 documents keys the parser rejects: $(tr '\n' ',' <"$tmp/unknown")"

# The sample sets every default key in its section and shows the others as commented examples.
ini_keys "$sample" >"$tmp/sample-keys"
ini_keys "$sample" commented >"$tmp/sample-keys-all"
comm -23 "$tmp/default-keys" "$tmp/sample-keys" >"$tmp/unset"
[ -s "$tmp/unset" ] && bad "keys not set in etc/alertban.conf: $(tr '\n' ',' <"$tmp/unset")"
comm -23 "$tmp/all-keys" "$tmp/sample-keys-all" >"$tmp/unshown"
[ -s "$tmp/unshown" ] && bad "keys not shown in etc/alertban.conf: $(tr '\n' ',' <"$tmp/unshown")"
# Each key, as --check-config printed it, is taken back on its own (the printout is valid INI).
while read -r section key; do
    case $section in
        rule) hdr='[rule 1:2]' ;;
        *) hdr="[$section]" ;;
    esac
    line=$(awk -v k="$key" -v want="$section" '
        /^\[/ { s = $0; sub(/^\[/, "", s); sub(/[] \t].*$/, "", s); next }
        s == want && index($0, k " =") == 1 { print; exit }' "$tmp/full.out")
    printf '%s\n%s\n' "$hdr" "$line" >"$tmp/one.conf"
    "$daemon" --check-config -c "$tmp/one.conf" >/dev/null 2>"$tmp/one.err" ||
        bad "[$section] '$line' as --check-config printed it is rejected: $(cat "$tmp/one.err")"
done <"$tmp/all-keys"

# ---- 2. commands and options ----

"$cli" --help >"$tmp/cli-help" || ab_fail "alertban --help failed"
commands=$(awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }' \
    "$tmp/cli-help")
[ "$(echo "$commands" | wc -w)" -ge 8 ] || ab_fail "too few commands in alertban --help: $commands"
# Long options a --help text lists (GOption: "  -x, --name=ARG  text" or "  --name  text").
long_options() {
    sed -n 's/^ \{2,\}\(-[A-Za-z], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p' "$1" | sort -u
}
# The completion, run by bash with minimal stand-ins for bash-completion's helpers.
complete_words() {
    bash -c '
        _init_completion() {
            words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
            cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD - 1]}
        }
        _filedir() { COMPREPLY=(FILE); }
        complete() { :; }
        . "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        _alertban
        printf "%s\n" "${COMPREPLY[@]}"' sh "$completion" "$@"
}
complete_words alertban '' >"$tmp/complete-commands"
for c in $commands; do
    grep -q "^\.B alertban $c\( \|$\)" "$man8" || bad "alertban.8: no '.B alertban $c' in the synopsis"
    awk '/^\.SH COMMANDS/ { on = 1; next } /^\.SH / { on = 0 } on' "$man8" |
        grep -A1 '^\.TP' | grep -q "^\.B[IR]\{0,1\} \"\{0,1\}$c\( \|\"\|$\)" ||
        bad "alertban.8: no COMMANDS entry for $c"
    grep -qx "$c" "$tmp/complete-commands" || bad "completion does not offer the command $c"
    "$cli" "$c" --help >"$tmp/help-$c" 2>&1 || bad "alertban $c --help failed"
    complete_words alertban "$c" -- >"$tmp/complete-$c"
    for o in $(long_options "$tmp/help-$c"); do
        escaped=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
        grep -q "$escaped" "$man8" || bad "alertban.8 does not mention $c $o"
        grep -qx -- "$o" "$tmp/complete-$c" || bad "completion does not offer $c $o"
    done
done
# Nothing in the completion's command list that the table lacks.
for c in $(cat "$tmp/complete-commands"); do
    case $c in --help | --version) continue ;; esac
    echo "$commands" | grep -qx "$c" || bad "completion offers $c, which is not a command"
done
"$daemon" --help >"$tmp/daemon-help" 2>&1 || bad "alertband --help failed"
for o in $(long_options "$tmp/daemon-help"); do
    escaped=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
    grep -q "$escaped" "$mand8" || bad "alertband.8 does not mention $o"
done

# ---- 3. rendering ----

if command -v man >/dev/null 2>&1; then
    for page in "$mand8" "$man8" "$conf5"; do
        MANWIDTH=80 man --warnings -l "$page" >"$tmp/rendered" 2>"$tmp/warnings" ||
            bad "man -l $page failed: $(cat "$tmp/warnings")"
        [ -s "$tmp/warnings" ] && bad "man -l $page warns: $(cat "$tmp/warnings")"
        [ "$(wc -l <"$tmp/rendered")" -gt 20 ] || bad "man -l $page rendered almost nothing"
    done
elif [ "$(id -u)" -eq 0 ] || [ -n "${CI:-}" ]; then
    bad "man is not installed (scripts/setup installs man-db and groff-base)"
else
    echo "note: man is not installed; the pages were not rendered" >&2
fi

# ---- 4. installation ----

root="$tmp/root"
prefix=/opt/alertban-docs-test
DESTDIR="$root" cmake --install "$AB_BUILD" --prefix "$prefix" >"$tmp/install1.log" 2>&1 ||
    ab_fail "cmake --install failed: $(cat "$tmp/install1.log")"
p="$root$prefix"
for f in sbin/alertband sbin/alertban; do
    [ -x "$p/$f" ] || bad "install: $f missing or not executable"
done
for f in lib/systemd/system/alertban.service share/man/man8/alertband.8 \
    share/man/man8/alertban.8 share/man/man5/alertban.conf.5 \
    share/bash-completion/completions/alertban; do
    [ -f "$p/$f" ] || bad "install: $f missing"
done
cmp -s "$completion" "$p/share/bash-completion/completions/alertban" ||
    bad "install: the completion differs from etc/alertban.bash-completion"
grep -q '^ExecStart=/.*/alertband --foreground -c /.*/alertban/alertban.conf$' \
    "$p/lib/systemd/system/alertban.service" || bad "install: the unit's ExecStart is not filled in"
# The sample: under the prefix's sysconfdir (or /etc when built for the prefix /usr), always
# inside DESTDIR.
find "$root" -path '*/etc/alertban/alertban.conf' >"$tmp/confs"
[ "$(wc -l <"$tmp/confs")" -eq 1 ] || ab_fail "install: expected one alertban.conf, found: $(cat "$tmp/confs")"
conf=$(cat "$tmp/confs")
"$daemon" --check-config -c "$conf" >"$tmp/installed.out" 2>"$tmp/installed.err" ||
    bad "the installed configuration is rejected: $(cat "$tmp/installed.err")"
grep -qx 'state_dir = /var/lib/alertban' "$tmp/installed.out" ||
    bad "the installed configuration's state_dir is not /var/lib/alertban"
grep -qx 'socket = /run/alertban/alertban.sock' "$tmp/installed.out" ||
    bad "the installed configuration's socket is not /run/alertban/alertban.sock"
grep -v '^\(state_dir\|socket\) = ' "$sample" >"$tmp/sample-rest"
grep -v '^\(state_dir\|socket\) = ' "$conf" >"$tmp/installed-rest"
cmp -s "$tmp/sample-rest" "$tmp/installed-rest" ||
    bad "the installed configuration differs from etc/alertban.conf beyond state_dir and socket"
# A second install keeps an operator's file, and says so.
printf '\n; changed by the operator\n[daemon]\n' >>"$conf"
cp "$conf" "$tmp/modified.conf"
DESTDIR="$root" cmake --install "$AB_BUILD" --prefix "$prefix" >"$tmp/install2.log" 2>&1 ||
    ab_fail "second cmake --install failed: $(cat "$tmp/install2.log")"
cmp -s "$conf" "$tmp/modified.conf" || bad "a second install overwrote the modified configuration"
grep -q "Keeping: .*alertban.conf" "$tmp/install2.log" || bad "the second install did not say it kept the configuration"
# Everything else is installed again.
grep -q "Up-to-date: .*sbin/alertband\|Installing: .*sbin/alertband" "$tmp/install2.log" ||
    bad "the second install did not install alertband"

# ---- 5. the README and doc/*.md ----

readme="$AB_SRC/README.md"
arch="$AB_SRC/doc/ARCHITECTURE.md"
hacking="$AB_SRC/doc/HACKING.md"
perf="$AB_SRC/doc/PERFORMANCE.md"
for f in "$readme" "$arch" "$hacking" "$perf"; do
    [ -f "$f" ] || ab_fail "missing $f"
done

# Backends: the names the parser's error lists, each accepted, each described.
printf '[firewall]\nbackend = no-such-backend\n' >"$tmp/backend.conf"
"$daemon" --check-config -c "$tmp/backend.conf" >/dev/null 2>"$tmp/backend.err" &&
    ab_fail "backend = no-such-backend was accepted"
backends=$(sed -n 's/.*backend: expected \(.*\), got .*/\1/p' "$tmp/backend.err" |
    sed 's/,/ /g; s/ or / /g')
[ "$(echo "$backends" | wc -w)" -ge 4 ] || ab_fail "no backend list in: $(cat "$tmp/backend.err")"
# The README's introduction: everything before its first section.
awk '/^## / { exit } { print }' "$readme" >"$tmp/readme-intro"
for b in $backends; do
    printf '[firewall]\nbackend = %s\n' "$b" >"$tmp/backend.conf"
    "$daemon" --check-config -c "$tmp/backend.conf" >/dev/null 2>&1 ||
        bad "backend = $b, named by the parser's error, is rejected"
    # alertband(8): a tagged paragraph of its own under BACKENDS.
    awk '/^\.SH / { on = ($2 == "BACKENDS") } on' "$mand8" | grep -A1 '^\.TP' |
        grep -qx "\.B $b" || bad "alertband.8 does not describe the backend $b under BACKENDS"
    grep '^\.BR backend ' "$conf5" | grep -q "[ \"]$b[ \"]" ||
        bad "alertban.conf.5 does not list the backend $b"
    grep -qw "$b" "$tmp/readme-intro" || bad "the README's introduction does not name the backend $b"
done

# The README: short, its first two commands real scripts, every command shown.
lines=$(wc -l <"$readme")
[ "$lines" -le 320 ] || bad "README.md has $lines lines (at most 320: details go to doc/)"
awk '/^## The two commands/ { on = 1; next } on && /^```sh/ { inblock = 1; next }
    inblock && /^```/ { exit } inblock && !/^#/ && NF { print }' "$readme" >"$tmp/two"
[ "$(cat "$tmp/two")" = "$(printf 'scripts/quickstart\nscripts/test')" ] ||
    bad "the README's two commands are not scripts/quickstart and scripts/test: $(cat "$tmp/two")"
while read -r c; do
    [ -x "$AB_SRC/$c" ] || bad "the README's command $c is not an executable script"
done <"$tmp/two"
grep -q '^exec scripts/test$' "$AB_SRC/.ci/run" || bad ".ci/run does not run scripts/test"
for c in $commands; do
    grep -q "alertban $c\\b" "$readme" || bad "the README does not show alertban $c"
done
# The exit statuses, as the CLI's --help gives them, in the README and alertban(8).
status=$(sed -n 's/^Exit status: //p' "$tmp/cli-help")
[ -n "$status" ] || bad "alertban --help gives no exit status line"
grep -qF "Exit status: $status" "$readme" || bad "the README's exit statuses differ from alertban --help: $status"
for code in 0 1 2 3; do
    awk '/^\.SH EXIT STATUS/ { on = 1; next } /^\.SH / { on = 0 } on' "$man8" |
        grep -A1 '^\.TP' | grep -qx "\.B $code" || bad "alertban.8 EXIT STATUS lacks $code"
done

# The README's `alertban list` example against a real daemon holding the same bans: a dry
# run (nothing touches a firewall), in a network namespace of its own when one is to be had.
d="$tmp/daemon"
mkdir -p "$d"
printf '%s\n' '01/02-03:04:05.123456  [**] [1:2001219:20] ET SCAN Potential SSH Scan [**] [Classification: Attempted Information Leak] [Priority: 2] {TCP} 198.51.100.23:4711 -> 192.0.2.1:22' \
    >"$d/alert.log"
cat >"$d/alertban.conf" <<CONF
[daemon]
state_dir = $d/state
socket = $d/alertban.sock
dry_run = yes
[input]
path = $d/alert.log
start_at = beginning
[firewall]
lock_file = $d/xtables.lock
CONF
netns=""
if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
    netns="unshare -n"
fi
$netns "$daemon" -c "$d/alertban.conf" --foreground >"$d/alertband.log" 2>&1 &
dpid=$!
trap 'kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null; rm -rf "$tmp"' EXIT
abcli() {
    cmd=$1
    shift
    "$cli" "$cmd" -c "$d/alertban.conf" "$@"
}
tries=0
until abcli list --json 2>/dev/null | grep -q '"addr":"198.51.100.23"'; do
    tries=$((tries + 1))
    if [ "$tries" -ge 2000 ] || ! kill -0 "$dpid" 2>/dev/null; then
        cat "$d/alertband.log" >&2
        ab_fail "the dry-run daemon did not ban 198.51.100.23 within 20 s"
    fi
    sleep 0.01
done
abcli ban 203.0.113.7 --for 12h --reason "ssh brute force" >/dev/null || bad "alertban ban failed"
abcli ban 2001:db8::/64 --permanent >/dev/null || bad "alertban ban --permanent failed"
abcli list >"$tmp/list.out" || bad "alertban list failed"
# Column for column, with the time left (which moves) and the alignment (which follows it) aside.
normalize_list() {
    sed -E 's/ in [0-9][0-9dhms]* / in T /; s/ +/ /g; s/ $//' "$1"
}
awk '/^ADDRESS +EXPIRES/ { on = 1 } on && /^```/ { exit } on' "$readme" >"$tmp/list.readme"
[ -s "$tmp/list.readme" ] || bad "the README shows no alertban list output"
normalize_list "$tmp/list.readme" >"$tmp/list.readme.n"
normalize_list "$tmp/list.out" >"$tmp/list.out.n"
diff "$tmp/list.readme.n" "$tmp/list.out.n" >"$tmp/list.diff" ||
    bad "the README's alertban list example is not what the CLI prints:
$(cat "$tmp/list.diff")"
# unban of an address with no ban: status 1 in both modes, and the documents say so.
rc=0
abcli unban 192.0.2.99 >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || bad "unban of an address with no ban exited $rc, not 1"
rc=0
abcli unban --json 192.0.2.99 >"$tmp/unban.json" 2>/dev/null || rc=$?
[ "$rc" -eq 1 ] || bad "unban --json of an address with no ban exited $rc, not 1"
grep -qx '{"v":1,"ok":true,"removed":0}' "$tmp/unban.json" ||
    bad "unban --json of an address with no ban printed: $(cat "$tmp/unban.json")"
grep -q 'exits 1 when the address has no ban, with `--json` too' "$readme" ||
    bad "the README does not say unban exits 1 for an address with no ban, with --json too"
grep -q 'the exit status is 1, with' "$man8" ||
    bad "alertban.8 does not say unban exits 1 for an address with no ban, with --json too"
kill "$dpid" 2>/dev/null
wait "$dpid" 2>/dev/null || true

# doc/HACKING.md's table: exactly the test files.
(cd "$AB_SRC" && ls test/unit/test-*.c test/integration/*.sh test/fuzz/fuzz-*.c) | sort >"$tmp/tests"
sed -n 's/^| `\(test\/[^`]*\)` |.*/\1/p' "$hacking" | sort >"$tmp/tests-listed"
comm -23 "$tmp/tests" "$tmp/tests-listed" >"$tmp/unlisted"
[ -s "$tmp/unlisted" ] && bad "tests missing from doc/HACKING.md's table: $(tr '\n' ' ' <"$tmp/unlisted")"
comm -13 "$tmp/tests" "$tmp/tests-listed" >"$tmp/gone"
[ -s "$tmp/gone" ] && bad "doc/HACKING.md lists tests that do not exist: $(tr '\n' ' ' <"$tmp/gone")"
[ "$(wc -l <"$tmp/tests-listed")" -ge 40 ] || bad "doc/HACKING.md's table lists too few tests"

# doc/ARCHITECTURE.md: a section per src/ folder (and none for a folder that is gone), every
# source file named, at most 80 words a module.
(cd "$AB_SRC/src" && ls -d */ | sed 's,/$,,') | sort >"$tmp/folders"
sed -n 's/^### `src\/\([a-z]*\)\/`$/\1/p' "$arch" | sort >"$tmp/folders-described"
comm -23 "$tmp/folders" "$tmp/folders-described" >"$tmp/undescribed"
[ -s "$tmp/undescribed" ] && bad "src/ folders without a section in doc/ARCHITECTURE.md: $(tr '\n' ' ' <"$tmp/undescribed")"
comm -13 "$tmp/folders" "$tmp/folders-described" >"$tmp/gone"
[ -s "$tmp/gone" ] && bad "doc/ARCHITECTURE.md describes folders src/ lacks: $(tr '\n' ' ' <"$tmp/gone")"
for f in "$AB_SRC"/src/*/*.c "$AB_SRC"/src/*/*.inc; do
    name=$(basename "$f")
    grep -qF "\`$name\`" "$arch" || bad "doc/ARCHITECTURE.md does not name ${f#"$AB_SRC"/}"
done
awk '/^- \*\*/ { if (name != "") print words, name; name = $2; words = NF; next }
    /^  / && name != "" { words += NF; next }
    { if (name != "") print words, name; name = "" }
    END { if (name != "") print words, name }' "$arch" >"$tmp/words"
[ "$(wc -l <"$tmp/words")" -ge 20 ] || bad "doc/ARCHITECTURE.md describes too few modules"
awk '$1 > 80 { print $2 " (" $1 " words)" }' "$tmp/words" >"$tmp/long"
[ -s "$tmp/long" ] && bad "module descriptions over 80 words in doc/ARCHITECTURE.md: $(tr '\n' ' ' <"$tmp/long")"

# Every path into the tree the documents name (in backquotes) exists.
for doc in "$readme" "$arch" "$hacking" "$perf"; do
    grep -o '`[^`]*`' "$doc" | tr -d '`' | tr ' ' '\n' |
        sed -n 's/[),.:;]*$//; /^\(src\|test\|scripts\|etc\|doc\)\/[A-Za-z0-9_./-]*$/p' |
        sort -u >"$tmp/paths"
    while read -r path; do
        [ -e "$AB_SRC/$path" ] || bad "${doc#"$AB_SRC"/} names $path, which does not exist"
    done <"$tmp/paths"
done

[ "$failures" -eq 0 ] || ab_fail "$failures documentation or install checks failed"
echo "docs: $(wc -l <"$tmp/all-keys") keys, $(echo "$commands" | wc -w) commands, $(echo "$backends" | wc -w) backends, $(wc -l <"$tmp/tests-listed") tests, $(wc -l <"$tmp/words") modules, man pages, README example and install checked"
