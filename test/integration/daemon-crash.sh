#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Crash safety: alerts from many distinct addresses are streamed into the log while alertband
# is killed with SIGKILL at random moments (24 times: during bursts, and right after the log
# was rotated), and restarted each time. At the end, every address whose alerts met the policy
# (one alert, or three within an hour for one rule, whose windows must survive the kills)
# is banned exactly once in the kernel, the store agrees with the kernel, no alert was acted on
# twice (each ban's violation count and the alerts each address's tracker rows stand for,
# folded rows counting their repeats, equal the alerts written for it), and nothing was banned that should not be (whitelisted addresses, ignored rules).
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
command -v python3 >/dev/null 2>&1 || ab_fail "python3 is not installed (scripts/setup installs it)"
command -v sqlite3 >/dev/null 2>&1 || ab_fail "sqlite3 is not installed (scripts/setup installs it)"

CYCLES=${AB_CRASH_CYCLES:-24}
BURST=${AB_CRASH_BURST:-300}
SEED=${AB_CRASH_SEED:-$(date +%s)}
echo "seed $SEED (AB_CRASH_SEED=$SEED reproduces the writer's stream and the kill times)"

ab_write_config '
[policy]
ban_time = 1h
extend = 10m-30m
max_bans_per_minute = 0

[whitelist]
address = 192.0.2.0/24

[rule 1:7777777]
ignore = yes

[rule 1:2001220]
threshold = 3/1h'
: >"$AB_LOG"
LEDGER="$AB_TMP/ledger"
: >"$LEDGER"

# The writer: BURST alert lines, each one write(2) appended to the log, each also recorded in
# the ledger as "ADDRESS KIND" (offender, white, ignored). With a rotation point it closes the
# log, renames it to NAME.<epoch-like number> (as Snort 3 does) and goes on in a new file,
# touching a marker right after the rename.
cat >"$AB_TMP/writer.py" <<'PY'
import os, random, sys, time
log, ledger, n, rotate_at, marker, seed, rot_no = sys.argv[1:8]
n, rotate_at, rot_no = int(n), int(rotate_at), int(rot_no)
rng = random.Random(int(seed))
offenders = ["198.51.100.%d" % i for i in range(1, 255)] + \
            ["203.0.113.%d" % i for i in range(1, 151)] + \
            ["2001:db8:c::%x" % i for i in range(1, 51)]
white = ["192.0.2.%d" % i for i in range(2, 52)]
ignored = ["203.0.113.%d" % i for i in range(200, 251)]
thresh = ["2001:db8:d::%x" % i for i in range(1, 201)]
def line(sid, msg, src, dst):
    ts = time.strftime("%m/%d-%H:%M:%S") + ".%06d" % rng.randrange(1000000)
    return "%s  [**] [1:%d:1] %s [**] [Priority: 2] {TCP} %s:%d -> %s:22\n" % (
        ts, sid, msg, src, rng.randrange(1024, 65536), dst)
fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
led = open(ledger, "a")
led.write("# cycle %d\n" % rot_no)
for i in range(n):
    if i == rotate_at:
        os.close(fd)
        os.rename(log, "%s.%d" % (log, 1700000000 + rot_no))
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        open(marker, "w").close()
    r = rng.random()
    if r < 0.7:
        a, kind, sid, msg = rng.choice(offenders), "offender", 2001219, "ET SCAN Potential SSH Scan"
    elif r < 0.8:
        a, kind, sid, msg = rng.choice(thresh), "thresh", 2001220, "SSH brute force 3 in 1h"
    elif r < 0.9:
        a, kind, sid, msg = rng.choice(white), "white", 2001219, "ET SCAN Potential SSH Scan"
    else:
        a, kind, sid, msg = rng.choice(ignored), "ignored", 7777777, "ignored rule"
    dst = "2001:db8::1" if ":" in a else "192.0.2.1"
    data = line(sid, msg, a, dst).encode()
    assert os.write(fd, data) == len(data)
    led.write("%s %s\n" % (a, kind))
    led.flush()
    if rng.random() < 0.3:
        time.sleep(0.001)
os.close(fd)
PY

# Caught up: the daemon has read the whole current log and committed what it queued.
caught_up() {
    size=$(stat -c %s "$AB_LOG")
    abctl status --json 2>/dev/null |
        jq -e --argjson size "$size" '.store.pending == 0 and
            (.inputs | length == 1 and .[0].offset == $size and .[0].lag_bytes == 0)' >/dev/null
}

rand() { # rand N: a pseudo-random number in 0..N-1 from the seeded sequence
    RSTATE=$(( (RSTATE * 1103515245 + 12345) % 2147483648 ))
    echo $(( RSTATE / 65536 % $1 ))
}
RSTATE=$SEED

kills=0
rotations=0
i=1
while [ "$i" -le "$CYCLES" ]; do
    ab_start
    # Before the next burst, the daemon has recovered from the last kill (so one rotation at
    # most happens per outage, as with a sensor rotating every few minutes).
    ab_wait_for 60 caught_up
    marker="$AB_TMP/rotated.$i"
    rotate_at=-1
    if [ $((i % 3)) -eq 0 ]; then
        rotate_at=$(( BURST / 4 + $(rand $((BURST / 2))) ))
        rotations=$((rotations + 1))
    fi
    python3 "$AB_TMP/writer.py" "$AB_LOG" "$LEDGER" "$BURST" "$rotate_at" "$marker" \
        "$((SEED + i))" "$i" &
    writer=$!
    if [ "$rotate_at" -ge 0 ]; then
        ab_wait_for 30 test -e "$marker"
        sleep "0.0$(rand 3)$(rand 10)" # 0 to 29 ms after the rename
        what="after a rotation"
    else
        sleep "0.$(rand 3)$(rand 10)" # 0 to 290 ms into the burst
        what="during a burst"
    fi
    kill -9 "$AB_PID"
    wait "$AB_PID" 2>/dev/null || true
    kills=$((kills + 1))
    echo "cycle $i: killed alertband $what"
    wait "$writer" || ab_fail "the writer failed"
    i=$((i + 1))
done
[ "$kills" -ge 20 ] || ab_fail "only $kills kills"

echo "== final start after $kills kills and $rotations rotations"
ab_start
ab_wait_for 60 caught_up
ab_kernel_bans >"$AB_TMP/kernel"
abctl status --json >"$AB_TMP/status"
ab_stop
# The store, read by the CLI while the daemon is down.
abctl list --json 2>/dev/null >"$AB_TMP/stored.json"
sqlite3 "$AB_TMP/state/alertban.db" \
    "SELECT hex(addr), verdict, sum(repeats) FROM tracker GROUP BY addr, verdict" >"$AB_TMP/tracker"

python3 - "$LEDGER" "$AB_TMP/kernel" "$AB_TMP/stored.json" "$AB_TMP/tracker" <<'PY'
import collections, ipaddress, json, sys
ledger, kernel_f, stored_f, tracker_f = sys.argv[1:5]
written = collections.Counter()
kind = {}
for l in open(ledger):
    if l.startswith("#"):
        continue
    a, k = l.split()
    a = str(ipaddress.ip_address(a))
    written[a] += 1
    kind[a] = k
kernel = [l.strip() for l in open(kernel_f) if l.strip()]
stored = {b["addr"]: b for b in json.load(open(stored_f))["bans"]}
tracker = collections.Counter()
for l in open(tracker_f):
    h, verdict, n = l.strip().split("|")
    tracker[str(ipaddress.ip_address(bytes.fromhex(h)))] += int(n)
# Threshold addresses whose alerts were written in more than one cycle: their windows had to
# survive a kill (the ledger marks cycles with "# cycle N" lines).
cycles = collections.defaultdict(set)
cycle = 0
for l in open(ledger):
    if l.startswith("#"):
        cycle = int(l.split()[2])
        continue
    cycles[str(ipaddress.ip_address(l.split()[0]))].add(cycle)
straddled = sum(1 for a in written if kind[a] == "thresh" and written[a] >= 3 and len(cycles[a]) > 1)
want = sorted(a for a in written
              if kind[a] == "offender" or (kind[a] == "thresh" and written[a] >= 3))
errors = []
dups = [a for a, n in collections.Counter(kernel).items() if n > 1]
if dups:
    errors.append("banned more than once in the kernel: %s" % dups)
if sorted(set(kernel)) != sorted(want):
    errors.append("kernel: missing %s, extra %s" % (sorted(set(want) - set(kernel)),
                                                    sorted(set(kernel) - set(want))))
if sorted(stored) != sorted(set(kernel)):
    errors.append("store and kernel differ: %s" % sorted(set(stored) ^ set(kernel)))
for a in want:
    b = stored.get(a)
    if b and b["violations"] != written[a]:
        errors.append("%s: %d alerts written, ban counts %d" % (a, written[a], b["violations"]))
for a in written:
    if kind[a] != "ignored" and tracker[a] != written[a]:
        errors.append("%s (%s): %d alerts written, %d tracker rows" % (a, kind[a], written[a], tracker[a]))
    if kind[a] == "ignored" and tracker[a] not in (0, written[a]):
        errors.append("%s (ignored): %d alerts written, %d tracker rows" % (a, written[a], tracker[a]))
print("alerts written: %d from %d addresses; to be banned: %d (%d by a 3/1h threshold, %d of"
      " whose alerts straddled a kill); kernel rules: %d" % (
    sum(written.values()), len(written), len(want),
    sum(1 for a in want if kind[a] == "thresh"), straddled, len(kernel)))
for e in errors[:30]:
    print("ERROR: " + e)
sys.exit(1 if errors else 0)
PY
jq -e '.tail.resumed >= 0' "$AB_TMP/status" >/dev/null || ab_fail "status"
echo "PASS"
