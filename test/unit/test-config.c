// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for config: values, errors with file:line, whitelist files, reload, formatting.
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "error.h"
#include "fw.h"
#include "testutil.h"

/* ---- bad configurations and their messages ---- */

typedef struct {
    const char *name;
    const char *text;
    const char *pattern; /* glob the error message must match */
} BadCase;

static const BadCase bad_cases[] = {
    {"unknown-section", "[daemon]\n[foo]\n", "/etc/t.conf:2: unknown section [foo]: expected *"},
    {"unknown-empty-section-last", "[policy]\nban_time = 1h\n[polcy]\n",
     "/etc/t.conf:3: unknown section [polcy]*"},
    {"unknown-key", "[policy]\nbantime = 1h\n", "/etc/t.conf:2: unknown key 'bantime' in [policy]"},
    {"unknown-key-firewall", "[firewall]\n\n\nchains = X\n",
     "/etc/t.conf:4: unknown key 'chains' in [firewall]"},
    {"key-outside-section", "ban_time = 1h\n", "/etc/t.conf:1: 'ban_time' is outside any section*"},
    {"syntax-no-equals", "[policy]\njust some words\n",
     "/etc/t.conf:2: expected '[section]', 'key = value' or a comment"},
    {"syntax-empty-key", "[policy]\n= 5\n", "/etc/t.conf:2: expected '[section]'*"},
    {"section-unclosed", "[policy\n", "/etc/t.conf:1: section header without a closing ']'"},
    {"section-trailing-text", "[policy] extra\n",
     "/etc/t.conf:1: unexpected text after the section header"},
    {"duplicate-key", "[policy]\nban_time = 1h\n; c\nban_time = 2h\n",
     "/etc/t.conf:4: 'ban_time' is already set in this section (line 2)"},
    {"duplicate-key-indented", "[daemon]\n  dry_run = no\n  dry_run = yes\n",
     "/etc/t.conf:3: 'dry_run' is already set*"},
    {"long-line-comment",
     "[policy]\n; "
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "x"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "x"
     "xxxxxxxxxx\n",
     "/etc/t.conf:2: line is 200 bytes long; at most 197 are allowed*"},
    {"long-line-value",
     "[whitelist]\naddress = 192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5 192.0.2.6 "
     "192.0.2.7 192.0.2.8 192.0.2.9 192.0.2.10 192.0.2.11 192.0.2.12 192.0.2.13 192.0.2.14 "
     "192.0.2.15 192.0.2.16 192.0.2.17 192.0.2.18\n",
     "/etc/t.conf:2: line is 198 bytes long*"},
    {"bad-bool", "[daemon]\ndry_run = maybe\n",
     "/etc/t.conf:2: dry_run: expected yes or no, got 'maybe'"},
    {"bad-on-exit", "[daemon]\non_exit = sometimes\n",
     "/etc/t.conf:2: on_exit: expected keep or flush, got 'sometimes'"},
    {"history-zero", "[daemon]\nhistory_days = 0\n",
     "/etc/t.conf:2: history_days: expected a whole number from 1 to 3650, got '0'"},
    {"history-junk", "[daemon]\nhistory_days = 90d\n",
     "/etc/t.conf:2: history_days: expected a whole number*'90d'"},
    {"socket-group-bad", "[daemon]\nsocket_group = a b\n",
     "/etc/t.conf:2: socket_group: expected a group name, got 'a b'"},
    {"socket-too-long",
     "[daemon]\nsocket = /run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n",
     "/etc/t.conf:2: socket: '/run/a*' is longer than a Unix socket path may be (107 bytes)"},
    {"empty-path", "[input]\npath =\n", "/etc/t.conf:2: path: expected a path"},
    {"start-at", "[input]\nstart_at = middle\n",
     "/etc/t.conf:2: start_at: expected end or beginning, got 'middle'"},
    {"idle-ms-range", "[input]\nidle_ms = 0\n", "/etc/t.conf:2: idle_ms: expected a whole number*"},
    {"line-max-range", "[input]\nline_max = 100\n",
     "/etc/t.conf:2: line_max: expected a whole number from 256 to 1048576, got '100'"},
    {"duration-unit", "[policy]\nban_time = 1x\n",
     "/etc/t.conf:2: ban_time: expected a duration such as 90s, 10m, 1h or 7d*got '1x'"},
    {"duration-negative", "[policy]\nban_time = -1h\n",
     "/etc/t.conf:2: ban_time: expected a duration*"},
    {"duration-zero", "[policy]\nban_time = 0\n",
     "/etc/t.conf:2: ban_time: '0' is out of range: expected from 1s to 315360000s"},
    {"duration-too-long", "[policy]\nmax_ban_time = 3651d\n",
     "/etc/t.conf:2: max_ban_time: expected a duration*at most 3650d*"},
    {"duration-ms-not-allowed", "[policy]\nban_time = 500ms\n",
     "/etc/t.conf:2: ban_time: expected a duration*"},
    {"duration-space", "[policy]\nban_time = 1 h\n",
     "/etc/t.conf:2: ban_time: expected a duration*"},
    {"threshold-no-window", "[policy]\nthreshold = 5\n",
     "/etc/t.conf:2: threshold: expected N/T*got '5'"},
    {"threshold-zero", "[policy]\nthreshold = 0/60s\n", "/etc/t.conf:2: threshold: expected N/T*"},
    {"threshold-count-max", "[policy]\nthreshold = 1001/60s\n",
     "/etc/t.conf:2: threshold: expected N/T*"},
    {"threshold-window-zero", "[policy]\nthreshold = 5/0s\n",
     "/etc/t.conf:2: threshold: expected N/T*"},
    {"threshold-window-max", "[policy]\nthreshold = 5/2d\n",
     "/etc/t.conf:2: threshold: expected N/T*"},
    {"extend-reversed", "[policy]\nextend = 30m-10m\n",
     "/etc/t.conf:2: extend: expected a duration or a range A-B with A <= B*got '30m-10m'"},
    {"extend-open", "[policy]\nextend = 10m-\n", "/etc/t.conf:2: extend: expected*"},
    {"escalate-below-one", "[policy]\nescalate = 0.5\n",
     "/etc/t.conf:2: escalate: expected a number from 1 to 100, got '0.5'"},
    {"escalate-nan", "[policy]\nescalate = nan\n", "/etc/t.conf:2: escalate: expected a number*"},
    {"escalate-junk", "[policy]\nescalate = 2x\n", "/etc/t.conf:2: escalate: expected a number*"},
    {"escalate-huge", "[policy]\nescalate = 1e9\n", "/etc/t.conf:2: escalate: expected a number*"},
    {"priorities-reversed", "[policy]\npriorities = 3-1\n",
     "/etc/t.conf:2: priorities: expected priorities from 0 to 255*got '3-1'"},
    {"priorities-range", "[policy]\npriorities = 1 256\n", "/etc/t.conf:2: priorities: *got '256'"},
    {"priorities-word", "[policy]\npriorities = high\n", "/etc/t.conf:2: priorities: *got 'high'"},
    {"priority-thresholds-form", "[policy]\npriority_thresholds = 1/60s\n",
     "/etc/t.conf:2: priority_thresholds: expected PRIORITY:N/T items*got '1/60s'"},
    {"priority-thresholds-twice", "[policy]\npriority_thresholds = 1:1/60s 1:2/60s\n",
     "/etc/t.conf:2: priority_thresholds: priority 1 appears twice"},
    {"priority-thresholds-bad-threshold", "[policy]\npriority_thresholds = 2:0/60s\n",
     "/etc/t.conf:2: priority_thresholds: priority 2: *expected N/T*"},
    {"max-bans-per-minute", "[policy]\nmax_bans_per_minute = 100001\n",
     "/etc/t.conf:2: max_bans_per_minute: expected a whole number from 0 to 100000*"},
    {"max-tracked-zero", "[policy]\nmax_tracked = 0\n", "/etc/t.conf:2: max_tracked: *"},
    {"protect-host-bits", "[policy]\nprotect = 192.0.2.1/24\n",
     "/etc/t.conf:2: protect: '192.0.2.1/24': address has bits set past the /24 prefix"},
    {"protect-second-item", "[policy]\nprotect = 192.0.2.0/24, 2001:db8::/129\n",
     "/etc/t.conf:2: protect: '2001:db8::/129': prefix length must be a number from 0 to 128"},
    {"home-net-bad", "[policy]\nhome_net = example.com\n",
     "/etc/t.conf:2: home_net: 'example.com' is not an IPv4 or IPv6 address or network"},
    {"whitelist-address-bad", "[whitelist]\naddress = 192.0.2.300\n",
     "/etc/t.conf:2: address: '192.0.2.300' is not*"},
    {"whitelist-rule-bad", "[whitelist]\nrule = 1:\n",
     "/etc/t.conf:2: rule: expected a rule GID:SID with * for either side*got '1:'"},
    {"whitelist-rule-three", "[whitelist]\nrule = 1:2:3\n",
     "/etc/t.conf:2: rule: expected a rule*"},
    {"whitelist-rule-big", "[whitelist]\nrule = 4294967296:1\n",
     "/etc/t.conf:2: rule: expected a rule*"},
    {"whitelist-unknown", "[whitelist]\naddresses = 192.0.2.1\n",
     "/etc/t.conf:2: unknown key 'addresses' in [whitelist]"},
    {"whitelist-file-missing", "[whitelist]\nfile = missing.txt\n",
     "/etc/missing.txt: No such file or directory"},
    {"rule-section-bad", "[rule 1]\n",
     "/etc/t.conf:1: [rule ...]: expected a rule GID:SID with * for either side*"},
    {"rule-section-no-pattern", "[rule]\n", "/etc/t.conf:1: unknown section [rule]*"},
    {"rule-section-twice", "[rule 1:*]\nignore = yes\n[rule 1:*]\n",
     "/etc/t.conf:3: [rule 1:*] appears twice"},
    {"rule-unknown-key", "[rule 1:2]\nswap_marker = x\n",
     "/etc/t.conf:2: unknown key 'swap_marker' in a [rule] section (expected threshold, ban_time, "
     "track or ignore)"},
    {"rule-track", "[rule 1:2]\ntrack = both\n",
     "/etc/t.conf:2: track: expected src or dst, got 'both'"},
    {"rule-threshold", "[rule *:2]\nthreshold = 10\n", "/etc/t.conf:2: threshold: expected N/T*"},
    {"rule-duplicate-key", "[rule 1:2]\nignore = yes\nignore = no\n",
     "/etc/t.conf:3: 'ignore' is already set in this section (line 2)"},
    {"max-ban-time-below-ban-time", "[policy]\nban_time = 2d\nmax_ban_time = 1d\n",
     "/etc/t.conf:3: max_ban_time (86400s) is shorter than ban_time (172800s)"},
    {"max-ban-time-below-ban-time-order", "[policy]\nmax_ban_time = 1h\n\nban_time = 2h\n",
     "/etc/t.conf:4: max_ban_time (3600s) is shorter than ban_time (7200s)"},
    {"chain-builtin", "[firewall]\nchain = INPUT\n",
     "/etc/t.conf:2: chain: expected 1 to 24 *got 'INPUT'"},
    {"chain-too-long", "[firewall]\nchain = ABCDEFGHIJKLMNOPQRSTUVWXYZ012\n",
     "/etc/t.conf:2: chain: *"},
    {"chain-25-chars", "[firewall]\nchain = ABCDEFGHIJKLMNOPQRSTUVWXY\n",
     "/etc/t.conf:2: chain: expected 1 to 24 *got 'ABCDEFGHIJKLMNOPQRSTUVWXY'"},
    {"chain-bad-char", "[firewall]\nchain = A B\n", "/etc/t.conf:2: chain: *"},
    {"hooks-bad", "[firewall]\nhooks = INPUT POSTROUTING\n",
     "/etc/t.conf:2: hooks: expected INPUT, FORWARD, OUTPUT, PREROUTING or DOCKER-USER, got "
     "'POSTROUTING'"},
    {"hooks-lower-case", "[firewall]\nhooks = prerouting\n",
     "/etc/t.conf:2: hooks: expected INPUT, *got 'prerouting'"},
    {"hooks-twice", "[firewall]\nhooks = INPUT\nhooks = INPUT\n",
     "/etc/t.conf:3: hooks: 'INPUT' is listed twice"},
    {"hooks-empty", "[firewall]\nhooks =\n", "/etc/t.conf:2: hooks: expected at least one*"},
    {"action", "[firewall]\naction = accept\n",
     "/etc/t.conf:2: action: expected drop or reject, got 'accept'"},
    {"direction", "[firewall]\ndirection = out\n",
     "/etc/t.conf:2: direction: expected in or both*"},
    {"log-prefix-long", "[firewall]\nlog_prefix = 0123456789012345678901234567890\n",
     "/etc/t.conf:2: log_prefix: expected at most 29 printable characters*"},
    {"backend", "[firewall]\nbackend = pf\n",
     "/etc/t.conf:2: backend: expected iptables, nftables, ipset or auto, got 'pf'"},
    {"backend-twice", "[firewall]\nbackend = auto\nbackend = nftables\n", "/etc/t.conf:3: *"},
    {"auto-max-rules-zero", "[firewall]\nauto_max_rules = 0\n", "/etc/t.conf:2: auto_max_rules:*"},
    {"auto-max-rules-huge", "[firewall]\nauto_max_rules = 100001\n",
     "/etc/t.conf:2: auto_max_rules:*"},
    {"auto-max-rules-word", "[firewall]\nauto_max_rules = many\n",
     "/etc/t.conf:2: auto_max_rules:*"},
    {"lock-timeout", "[firewall]\nlock_timeout = 10m\n",
     "/etc/t.conf:2: lock_timeout: at most 300s*"},
    {"metrics-listen-name", "[metrics]\nlisten = localhost:9477\n",
     "/etc/t.conf:2: listen:*not a numeric IPv4 address*"},
    {"metrics-listen-v6-brackets", "[metrics]\nlisten = ::1:9477\n",
     "/etc/t.conf:2: listen:*brackets*"},
    {"outside-section-full", "ban_time = 1h\n",
     "/etc/t.conf:1: 'ban_time' is outside any section; put it under [daemon], [input], [policy], "
     "[whitelist], [firewall], [share], [metrics] or [rule GID:SID]"},
    {"unknown-section-full", "[foo]\n",
     "/etc/t.conf:1: unknown section [foo]: expected [daemon], [input], [policy], [whitelist], "
     "[firewall], [share], [metrics] or [rule GID:SID]"},
    {"duplicate-key-across-sections",
     "[policy]\nban_time = 1h\n[daemon]\n[policy]\nban_time = 2h\n",
     "/etc/t.conf:5: 'ban_time' is already set in this section (line 2)"},
    {"duplicate-rule-key-bad-value", "[rule 1:2]\nban_time = 1h\nban_time = x\n",
     "/etc/t.conf:3: 'ban_time' is already set in this section (line 2)"},
    {"rule-ban-time-zero", "[rule 1:2]\nban_time = 0\n",
     "/etc/t.conf:2: ban_time: '0' is out of range: expected from 1s to 315360000s"},
    {"rule-ignore", "[rule 1:2]\nignore = perhaps\n",
     "/etc/t.conf:2: ignore: expected yes or no, got 'perhaps'"},
    {"state-dir-empty-quotes", "[daemon]\nstate_dir = \"\"\n",
     "/etc/t.conf:2: state_dir: expected a path"},
    {"path-control-char", "[input]\npath = /a\x01b\n",
     "/etc/t.conf:2: path: control characters in path"},
    {"swap-marker-control-char", "[policy]\nswap_marker = a\x1b[0m\n",
     "/etc/t.conf:2: swap_marker: control characters in value"},
    {"socket-group-quoted", "[daemon]\nsocket_group = \"adm\"\n",
     "/etc/t.conf:2: socket_group: expected a group name, got '\"adm\"'"},
    {"max-bans-range", "[daemon]\nmax_bans = 10000001\n",
     "/etc/t.conf:2: max_bans: expected a whole number from 1 to 10000000, got '10000001'"},
    {"whitelist-file-empty", "[whitelist]\nfile =\n", "/etc/t.conf:2: file: expected a path"},
    {"log-prefix-control-char", "[firewall]\nlog_prefix = a\x7f\n",
     "/etc/t.conf:2: log_prefix: expected at most 29 printable characters*"},
    {"lock-timeout-syntax", "[firewall]\nlock_timeout = soon\n",
     "/etc/t.conf:2: lock_timeout: expected a duration such as 90s*got 'soon'"},
    {"verify-interval-fraction", "[firewall]\nverify_interval = 1500ms\n",
     "/etc/t.conf:2: verify_interval: whole seconds from 0 (never) to 1d, got '1500ms'"},
    {"verify-interval-long", "[firewall]\nverify_interval = 2d\n",
     "/etc/t.conf:2: verify_interval: whole seconds from 0 (never) to 1d, got '2d'"},
    {"hooks-repeat-duplicate", "[firewall]\nhooks = INPUT FORWARD OUTPUT\nhooks = INPUT\n",
     "/etc/t.conf:3: hooks: 'INPUT' is listed twice"},
    {"first-error-wins", "[policy]\nban_time = x\nthreshold = y\n", "/etc/t.conf:2: ban_time:*"},
    {"crlf-line-numbers", "[policy]\r\n\r\nban_time = x\r\n", "/etc/t.conf:3: ban_time:*got 'x'"},
};

static void
test_bad(gconstpointer data)
{
    const BadCase *c = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(Config) cfg = config_load_string(c->text, "/etc/t.conf", &error);
    g_assert_null(cfg);
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG);
    if (!g_pattern_match_simple(c->pattern, error->message))
        g_error("message '%s' does not match '%s'", error->message, c->pattern);
}

/* ---- good configurations and what they mean ---- */

typedef struct {
    const char *name;
    const char *text;
    const char *const expect[6]; /* lines the formatted configuration must contain */
} GoodCase;

static const GoodCase good_cases[] = {
    {"empty",
     "",
     {"ban_time = 1h", "threshold = 5/10m", "extend = 10m-30m", "escalate = 2", "max_ban_time = 7d",
      "max_bans_per_minute = 600"}},
    /* The shipped priorities: 1 bans at once, 2 after `threshold`, others not at all. */
    {"empty-priorities", "", {"priorities = 1-2\n", "priority_thresholds = 1:1/1m\n"}},
    {"priority-thresholds",
     "[policy]\npriority_thresholds = 2:3/5m, 1:1/60s\n",
     {"priority_thresholds = 1:1/1m 2:3/5m\n"}},
    {"priority-thresholds-empty", "[policy]\npriority_thresholds =\n", {"priority_thresholds =\n"}},
    {"comments-only", "; a\n# b\n\n   \n", {"state_dir = /var/lib/alertban", "hooks = INPUT"}},
    {"durations",
     "[policy]\nban_time = 90\nmax_ban_time = 36h\nextend = 0\n",
     {"ban_time = 90s", "max_ban_time = 36h", "extend = 0"}},
    {"threshold", "[policy]\nthreshold = 10/120s\n", {"threshold = 10/2m"}},
    {"threshold-minutes", "[policy]\nthreshold = 3/5m\n", {"threshold = 3/5m"}},
    {"extend-single", "[policy]\nextend = 5m\n", {"extend = 5m"}},
    {"extend-range", "[policy]\nextend = 1m-2h\n", {"extend = 1m-2h"}},
    {"escalate-fraction", "[policy]\nescalate = 1.5\n", {"escalate = 1.5"}},
    {"priorities-list", "[policy]\npriorities = 3, 1 2 7-9\n", {"priorities = 1-3 7-9"}},
    {"priorities-zero", "[policy]\npriorities = 0\n", {"priorities = 0"}},
    {"inline-comment", "[policy]\nban_time = 2h ; two hours\n", {"ban_time = 2h"}},
    {"inline-hash-comment", "[policy]\nban_time = 1h30m # ninety minutes\n", {"ban_time = 90m"}},
    {"indented-keys",
     "[policy]\n    ban_time = 3h\n\tthreshold = 2/10s\n",
     {"ban_time = 3h", "threshold = 2/10s"}},
    {"crlf", "[policy]\r\nban_time = 4h\r\n", {"ban_time = 4h"}},
    {"bom", "\xEF\xBB\xBF[policy]\nban_time = 5h\n", {"ban_time = 5h"}},
    {"colon-separator", "[policy]\nban_time: 6h\n", {"ban_time = 6h"}},
    {"swap-marker-empty", "[policy]\nswap_marker =\n", {"swap_marker =\n"}},
    {"swap-marker-leading-semicolon", "[policy]\nswap_marker =;x\n", {"swap_marker = \";x\""}},
    {"path-quoted-trailing-space", "[input]\npath = \"/logs/a \"\n", {"path = \"/logs/a \"\n"}},
    {"swap-marker-quoted",
     "[policy]\nswap_marker = \" SPACED \"\n",
     {"swap_marker = \" SPACED \""}},
    {"relative-paths",
     "[daemon]\nstate_dir = ../state\nsocket = run/a.sock\n[input]\npath = logs/*.txt\n",
     {"state_dir = /state", "socket = /etc/run/a.sock", "path = /etc/logs/*.txt"}},
    {"paths-repeat", "[input]\npath = /a\npath = /b\n", {"path = /a\npath = /b\nstart_at"}},
    {"protect-repeat",
     "[policy]\nprotect = 192.0.2.0/24\nprotect = 2001:db8::/32, 198.51.100.7\n",
     {"protect = 192.0.2.0/24\nprotect = 2001:db8::/32\nprotect = 198.51.100.7\n"}},
    {"whitelist-repeat",
     "[whitelist]\naddress = 203.0.113.0/24\naddress = 2001:db8::1\nrule = 1:2000 129:*\nrule = "
     "*:*\n",
     {"address = 203.0.113.0/24\naddress = 2001:db8::1\n",
      "rule = 1:2000\nrule = 129:*\nrule = *:*\n"}},
    {"hooks-list", "[firewall]\nhooks = INPUT FORWARD\n", {"hooks = INPUT FORWARD"}},
    {"hooks-raw-docker",
     "[firewall]\nhooks = PREROUTING DOCKER-USER\n",
     {"hooks = PREROUTING DOCKER-USER"}},
    {"backend-default", "[firewall]\n", {"backend = auto", "auto_max_rules = 200"}},
    {"backend-iptables", "[firewall]\nbackend = iptables\n", {"backend = iptables"}},
    {"auto-max-rules", "[firewall]\nauto_max_rules = 1000\n", {"auto_max_rules = 1000"}},
    {"backend-nftables", "[firewall]\nbackend = nftables\n", {"backend = nftables"}},
    {"backend-auto", "[firewall]\nbackend = auto\n", {"backend = auto"}},
    {"backend-ipset", "[firewall]\nbackend = ipset\n", {"backend = ipset"}},
    {"hooks-repeat", "[firewall]\nhooks = FORWARD\nhooks = OUTPUT\n", {"hooks = FORWARD OUTPUT"}},
    {"firewall",
     "[firewall]\nchain = AB_TEST\naction = reject\ndirection = both\nlog = yes\nlock_timeout = "
     "250ms\n",
     {"chain = AB_TEST", "action = reject", "direction = both", "log = yes",
      "lock_timeout = 250ms"}},
    {"daemon",
     "[daemon]\nsocket_group = adm\non_exit = flush\ndry_run = true\nhistory_days = 7\n",
     {"socket_group = adm", "on_exit = flush", "dry_run = yes", "history_days = 7"}},
    {"input",
     "[input]\nstart_at = beginning\nidle_ms = 100\nline_max = 4096\n",
     {"start_at = beginning", "idle_ms = 100", "line_max = 4096"}},
    {"rules",
     "[rule 1:1000001]\nthreshold = 10/120s\nban_time = 2h\ntrack = dst\n[rule 129:*]\nignore = "
     "yes\n",
     {"[rule 1:1000001]\nthreshold = 10/2m\nban_time = 2h\ntrack = dst\nignore = no\n",
      "[rule 129:*]\nignore = yes\n"}},
    {"paths-repeat-across-sections",
     "[input]\npath = /a\n[daemon]\n[input]\npath = /b\n",
     {"path = /a\npath = /b\nstart_at"}},
    {"hooks-repeat-across-sections",
     "[firewall]\nhooks = OUTPUT\n[policy]\n[firewall]\nhooks = FORWARD\n",
     {"hooks = OUTPUT FORWARD\n"}},
    {"verify-interval", "[firewall]\nverify_interval = 0\n", {"verify_interval = 0s\n"}},
    {"verify-interval-minutes", "[firewall]\nverify_interval = 5m\n", {"verify_interval = 300s\n"}},
    {"lock-timeout-minutes", "[firewall]\nlock_timeout = 1m\n", {"lock_timeout = 60s\n"}},
    {"log-prefix-quoted", "[firewall]\nlog_prefix = \" ab \"\n", {"log_prefix = \" ab \"\n"}},
    {"rule-defaults", "[rule 7:*]\n", {"[rule 7:*]\nignore = no\n"}},
    {"rule-section-spaces", "[ rule   *:2000 ]\ntrack = src\n", {"[rule *:2000]\ntrack = src\n"}},
};

static void
test_good(gconstpointer data)
{
    const GoodCase *c = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(Config) cfg = config_load_string(c->text, "/etc/t.conf", &error);
    g_assert_no_error(error);
    g_assert_nonnull(cfg);
    g_autofree char *text = config_format(cfg);
    for (gsize i = 0; i < G_N_ELEMENTS(c->expect) && c->expect[i]; i++) {
        if (!strstr(text, c->expect[i]))
            g_error("'%s' not in:\n%s", c->expect[i], text);
    }
    /* The formatted text is itself a valid configuration that formats the same. */
    g_autoptr(Config) again = config_load_string(text, "/etc/t.conf", &error);
    g_assert_no_error(error);
    g_autofree char *text2 = config_format(again);
    g_assert_cmpstr(text, ==, text2);
}

static void
test_values(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(Config) cfg = config_load_string(
        "[policy]\npriorities = 0-2 5\nthreshold = 4/30s\nextend = 10m-30m\n"
        "[rule 1:*]\nban_time = 2h\n[rule 1:5]\ntrack = dst\n[rule *:5]\nignore = yes\n"
        "[rule *:*]\nthreshold = 2/1m\n",
        "/x/t.conf", &error);
    g_assert_no_error(error);
    g_assert_cmpuint(cfg->policy.threshold.count, ==, 4);
    g_assert_cmpuint(cfg->policy.threshold.window_s, ==, 30);
    g_assert_cmpuint(cfg->policy.extend_min_s, ==, 600);
    g_assert_cmpuint(cfg->policy.extend_max_s, ==, 1800);
    g_assert_false(cfg->policy.priorities_all);
    for (int p = -1; p <= 256; p++) {
        gboolean want = p == -1 || (p >= 0 && p <= 2) || p == 5;
        g_assert_cmpint(config_priority_counts(cfg, p), ==, want);
    }
    /* The most specific section wins: G:S, then G:*, then *:S, then *:*. */
    const ConfigRule *r = config_find_rule(cfg, 1, 5);
    g_assert_nonnull(r);
    g_assert_cmpint(r->track, ==, CONFIG_TRACK_DST);
    r = config_find_rule(cfg, 1, 6);
    g_assert_true(r->has_ban_time && r->ban_time_s == 7200);
    r = config_find_rule(cfg, 3, 5);
    g_assert_true(r->ignore);
    r = config_find_rule(cfg, 3, 6);
    g_assert_true(r->has_threshold && r->threshold.count == 2);
    g_assert_cmpstr(cfg->file, ==, "/x/t.conf");
}

static void
test_duration(void)
{
    static const struct {
        const char *text;
        guint64 s; /* G_MAXUINT64: rejected */
    } cases[] = {
        {"0", 0},
        {"45", 45},
        {"45s", 45},
        {"10m", 600},
        {"2h", 7200},
        {"7d", 604800},
        {"1w", 604800},
        {"1h30m", 5400},
        {"1m30s", 90},
        {"3650d", 315360000},
        {"30m1h", G_MAXUINT64},
        {"500ms", G_MAXUINT64},
        {"3651d", G_MAXUINT64},
        {"", G_MAXUINT64},
        {"s", G_MAXUINT64},
        {"1.5h", G_MAXUINT64},
        {"+5", G_MAXUINT64},
        {"5 m", G_MAXUINT64},
        {"5M", G_MAXUINT64},
        {"99999999999999999999", G_MAXUINT64},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        guint64 v = 0;
        gboolean ok = config_parse_duration(cases[i].text, &v, NULL);
        g_assert_cmpint(ok, ==, cases[i].s != G_MAXUINT64);
        if (ok)
            g_assert_cmpuint(v, ==, cases[i].s);
    }
}

static void
test_rule_pattern(void)
{
    RulePattern p;
    char buf[32];
    g_assert_true(rule_pattern_parse("1:2000", &p, NULL));
    g_assert_true(rule_pattern_matches(&p, 1, 2000));
    g_assert_false(rule_pattern_matches(&p, 1, 2001));
    g_assert_false(rule_pattern_matches(&p, 3, 2000));
    g_assert_cmpstr(rule_pattern_format(&p, buf, sizeof buf), ==, "1:2000");
    g_assert_true(rule_pattern_parse("129:*", &p, NULL));
    g_assert_true(rule_pattern_matches(&p, 129, 0) && rule_pattern_matches(&p, 129, G_MAXUINT32));
    g_assert_false(rule_pattern_matches(&p, 128, 1));
    g_assert_true(rule_pattern_parse("*:2000", &p, NULL));
    g_assert_true(rule_pattern_matches(&p, 7, 2000));
    g_assert_false(rule_pattern_matches(&p, 7, 2001));
    g_assert_cmpstr(rule_pattern_format(&p, buf, sizeof buf), ==, "*:2000");
    g_assert_true(rule_pattern_parse("*:*", &p, NULL));
    g_assert_true(rule_pattern_matches(&p, 0, 0));
    g_assert_true(rule_pattern_parse("4294967295:4294967295", &p, NULL));
    const char *bad[] = {"", ":", "1", "1:", ":1", "**:1", "1:x", " 1:2", "1:2 ", "-1:2", "1:2:3"};
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++)
        g_assert_false(rule_pattern_parse(bad[i], &p, NULL));
}

/* ---- files ---- */

typedef struct {
    char *dir;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    (void)data;
    f->dir = test_mkdtemp();
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    test_rm_rf(f->dir);
    g_free(f->dir);
}

static char *
write_file(const char *dir, const char *name, const char *text, gssize len)
{
    char *path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(path, text, len, NULL));
    return path;
}

static void
test_whitelist_file(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autofree char *wl = write_file(f->dir, "wl.txt",
                                     "# trusted\n"
                                     "192.0.2.0/24\n"
                                     "  2001:db8::/32   # documentation\n"
                                     "\n"
                                     "198.51.100.7\n"
                                     "1:2000\n"
                                     "129:*\n"
                                     "::ffff:203.0.113.9\n",
                                     -1);
    g_autofree char *conf =
        write_file(f->dir, "a.conf", "[whitelist]\nfile = wl.txt\naddress = 203.0.113.0/25\n", -1);
    g_autoptr(GError) error = NULL;
    g_autoptr(Config) cfg = config_load_file(conf, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(cfg->whitelist.file_addresses->len, ==, 4);
    g_assert_cmpuint(cfg->whitelist.file_rules->len, ==, 2);
    g_assert_cmpuint(cfg->whitelist.addresses->len, ==, 1);
    g_assert_cmpstr(cfg->whitelist.files->pdata[0], ==, wl);
    IpPrefix *p = &g_array_index(cfg->whitelist.file_addresses, IpPrefix, 3);
    char buf[IPADDR_STRLEN];
    g_assert_cmpstr(ipprefix_format(p, buf), ==, "203.0.113.9");
    g_autofree char *text = config_format(cfg);
    g_assert_nonnull(strstr(text, "; the files hold 4 addresses or networks and 2 rules"));
}

static void
test_whitelist_file_error(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autofree char *wl =
        write_file(f->dir, "wl.txt", "# ok\n192.0.2.0/24\n\n192.0.2.1/24 # bad\n", -1);
    g_autofree char *conf = write_file(f->dir, "a.conf", "[whitelist]\nfile = wl.txt\n", -1);
    g_autoptr(GError) error = NULL;
    g_autoptr(Config) cfg = config_load_file(conf, &error);
    g_assert_null(cfg);
    g_autofree char *want =
        g_strdup_printf("%s:4: expected an address, a network or a GID:SID rule: "
                        "'192.0.2.1/24': address has bits set past the /24 prefix",
                        wl);
    g_assert_cmpstr(error->message, ==, want);

    g_clear_error(&error);
    g_autofree char *wl2 = write_file(f->dir, "wl2.txt", "1:2000\n1:x\n", -1);
    g_autofree char *conf2 = write_file(f->dir, "b.conf", "[whitelist]\nfile = wl2.txt\n", -1);
    g_assert_null(config_load_file(conf2, &error));
    g_autofree char *want2 = g_strdup_printf("%s:2: expected a rule GID:SID*", wl2);
    g_assert_true(g_pattern_match_simple(want2, error->message));

    g_clear_error(&error);
    g_autofree char *conf3 = write_file(f->dir, "c.conf", "[whitelist]\nfile = /dev/null\n", -1);
    g_assert_null(config_load_file(conf3, &error));
    g_assert_cmpstr(error->message, ==, "/dev/null: not a regular file");
}

static void
test_nul_byte(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autofree char *conf = write_file(f->dir, "n.conf", "[policy]\nban_time = 1h\0junk\n", 26);
    g_autoptr(GError) error = NULL;
    g_assert_null(config_load_file(conf, &error));
    g_autofree char *want = g_strdup_printf("%s:2: NUL byte in the line", conf);
    g_assert_cmpstr(error->message, ==, want);
}

static void
test_missing_file(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autofree char *path = g_build_filename(f->dir, "none.conf", NULL);
    g_autoptr(GError) error = NULL;
    g_assert_null(config_load_file(path, &error));
    g_autofree char *want = g_strdup_printf("%s: No such file or directory", path);
    g_assert_cmpstr(error->message, ==, want);
}

/* A long line at the very end, without a newline, is still caught. */
static void
test_long_last_line(void)
{
    GString *s = g_string_new("[policy]\nswap_marker = ");
    while (s->len < 500)
        g_string_append_c(s, 'x');
    g_autoptr(GError) error = NULL;
    g_autoptr(Config) cfg = config_load_string(s->str, "t.conf", &error);
    g_string_free(s, TRUE);
    g_assert_null(cfg);
    g_assert_true(g_pattern_match_simple("*t.conf:2: line is 491 bytes long*", error->message));
    /* And 197 bytes is fine. */
    GString *ok = g_string_new("[policy]\nswap_marker = ");
    while (ok->len < 9 + 197)
        g_string_append_c(ok, 'y');
    g_clear_error(&error);
    g_autoptr(Config) cfg2 = config_load_string(ok->str, "t.conf", &error);
    g_string_free(ok, TRUE);
    g_assert_no_error(error);
    g_assert_cmpuint(strlen(cfg2->policy.swap_marker), ==, 197 - strlen("swap_marker = "));
}

static void
test_reload(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autofree char *path = write_file(f->dir, "r.conf", "[policy]\nban_time = 2h\n", -1);
    g_autoptr(GError) error = NULL;
    Config *cfg = config_load_file(path, &error);
    g_assert_no_error(error);
    Config *before = cfg;

    /* A bad file leaves the running configuration as it was. */
    g_free(write_file(f->dir, "r.conf", "[policy]\nban_time = 3h\nthreshold = nope\n", -1));
    g_assert_false(config_reload(&cfg, path, &error));
    g_autofree char *want = g_strdup_printf("%s:3: threshold: expected N/T*", path);
    g_assert_true(g_pattern_match_simple(want, error->message));
    g_assert_true(cfg == before);
    g_assert_cmpuint(cfg->policy.ban_time_s, ==, 7200);

    /* So does a file that disappeared. */
    g_clear_error(&error);
    g_assert_cmpint(g_unlink(path), ==, 0);
    g_assert_false(config_reload(&cfg, path, &error));
    g_assert_true(cfg == before);

    /* A good one replaces it. */
    g_clear_error(&error);
    g_free(write_file(f->dir, "r.conf", "[policy]\nban_time = 4h\n", -1));
    g_assert_true(config_reload(&cfg, path, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(cfg->policy.ban_time_s, ==, 4 * 3600);
    config_free(cfg);
}

static void
test_env(void)
{
    g_autoptr(Config) cfg = config_load_string("[daemon]\nstate_dir = /a\n", "/etc/t.conf", NULL);
    g_assert_nonnull(cfg);
    g_setenv("ALERTBAN_STATE_DIR", "/tmp/ab-state", TRUE);
    g_setenv("ALERTBAN_SOCKET", "/tmp/ab.sock", TRUE);
    g_setenv("ALERTBAN_INPUT_PATH", "/tmp/ab-alert.log", TRUE);
    g_setenv("ALERTBAN_LOCK_FILE", "/tmp/ab.lock", TRUE);
    config_apply_env(cfg);
    g_unsetenv("ALERTBAN_STATE_DIR");
    g_unsetenv("ALERTBAN_SOCKET");
    g_unsetenv("ALERTBAN_INPUT_PATH");
    g_unsetenv("ALERTBAN_LOCK_FILE");
    g_assert_cmpstr(cfg->daemon.state_dir, ==, "/tmp/ab-state");
    g_assert_cmpstr(cfg->daemon.socket, ==, "/tmp/ab.sock");
    g_assert_cmpuint(cfg->input.paths->len, ==, 1);
    g_assert_cmpstr(cfg->input.paths->pdata[0], ==, "/tmp/ab-alert.log");
    g_assert_cmpstr(cfg->firewall.lock_file, ==, "/tmp/ab.lock");
}

/* A path can be longer than a line when it resolves against a long directory; the buffer's
 * limit is still reported at the key's line. */
static void
test_lock_file_long(void)
{
    g_autofree char *dir = g_strnfill(250, 'd');
    g_autofree char *name = g_strdup_printf("/%s/t.conf", dir);
    g_autoptr(GError) error = NULL;
    g_autoptr(Config) cfg =
        config_load_string("[firewall]\nlock_file = locks/xtables.lock\n", name, &error);
    g_assert_null(cfg);
    g_autofree char *want = g_strdup_printf("%s:2: lock_file: path longer than 255 bytes", name);
    g_assert_cmpstr(error->message, ==, want);
    /* One that fits is resolved against the file's directory. */
    g_clear_error(&error);
    g_autoptr(Config) ok =
        config_load_string("[firewall]\nlock_file = x.lock\n", "/a/b/t.conf", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(ok->firewall.lock_file, ==, "/a/b/x.lock");
}

/* Every key the parser knows, from config_describe_keys(): its name is unique in its section,
 * it has a line of documentation, its default written in a file gives exactly the built-in
 * default, and config_format() prints it (with a whitelist file and a [rule] section given,
 * for the keys printed only when set). */
static void
test_keys_table(Fixture *f, gconstpointer data)
{
    (void)data;
    /* The environment's lock file would be the default instead of the table's text. */
    g_autofree char *xtables = g_strdup(g_getenv("XTABLES_LOCKFILE"));
    g_unsetenv("XTABLES_LOCKFILE");
    g_autofree char *keys = config_describe_keys();
    g_auto(GStrv) lines = g_strsplit(keys, "\n", -1);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    g_autofree char *wl = write_file(f->dir, "wl.txt", "192.0.2.1\n", -1);
    g_autofree char *conf = write_file(f->dir, "full.conf",
                                       "[whitelist]\nfile = wl.txt\n[rule 1:2]\n"
                                       "threshold = 2/1m\nban_time = 1h\ntrack = src\n",
                                       -1);
    g_autoptr(GError) error = NULL;
    g_autoptr(Config) full = config_load_file(conf, &error);
    g_assert_no_error(error);
    g_autofree char *full_text = config_format(full);
    g_autofree char *file_line = g_strdup_printf("\nfile = %s\n", wl);
    g_assert_nonnull(strstr(full_text, file_line));
    g_autoptr(Config) defaults = config_new_defaults();
    g_free(defaults->file);
    defaults->file = g_strdup("/etc/t.conf");
    g_autofree char *default_text = config_format(defaults);

    guint n = 0;
    for (char **line = lines; *line && **line; line++, n++) {
        g_auto(GStrv) f4 = g_strsplit(*line, "\t", -1);
        g_assert_cmpuint(g_strv_length(f4), ==, 4);
        const char *section = f4[0], *key = f4[1], *def = f4[2], *doc = f4[3];
        g_assert_cmpuint(strlen(doc), >, 10);
        g_autofree char *id = g_strdup_printf("%s/%s", section, key);
        g_assert_false(g_hash_table_contains(seen, id));
        g_hash_table_add(seen, g_steal_pointer(&id));

        /* Printed, in its section: the first "key =" line after the section's header. */
        g_autofree char *header = strcmp(section, "rule") == 0
                                      ? g_strdup("\n[rule 1:2]\n")
                                      : g_strdup_printf("\n[%s]\n", section);
        const char *in_section = strstr(full_text, header);
        g_assert_nonnull(in_section);
        const char *next = strstr(in_section + 1, "\n[");
        g_autofree char *needle = g_strdup_printf("\n%s =", key);
        const char *at = strstr(in_section, needle);
        if (!at || (next && at > next))
            g_error("[%s] %s not printed in:\n%s", section, key, full_text);

        /* Its default, written in a file, is the built-in default ([rule] keys and whitelist
         * files have none that can be written). */
        if (strcmp(section, "rule") == 0 || strcmp(key, "file") == 0)
            continue;
        g_autofree char *text = g_strdup_printf("[%s]\n%s = %s\n", section, key, def);
        g_autoptr(Config) cfg = config_load_string(text, "/etc/t.conf", &error);
        g_assert_no_error(error);
        g_autofree char *got = config_format(cfg);
        g_assert_cmpstr(got, ==, default_text);
    }
    g_assert_cmpuint(n, ==, 56); /* 40, [firewall] cut, [daemon] user, [policy] min_prefix4/6,
                                  * priority_thresholds, ipv6_prefix and sensor_action, the 8
                                  * of [share], [metrics] listen */
    /* Defaults of the [rule] keys: an empty section prints only ignore = no. */
    g_assert_nonnull(strstr(full_text, "\n[rule 1:2]\nthreshold = 2/1m\nban_time = 1h\n"
                                       "track = src\nignore = no\n"));
    if (xtables)
        g_setenv("XTABLES_LOCKFILE", xtables, TRUE);
}

/* The firewall's own defaults and the key table's agree. */
static void
test_firewall_defaults(void)
{
    g_autofree char *xtables = g_strdup(g_getenv("XTABLES_LOCKFILE"));
    const char *const env[] = {NULL, "/tmp/ab-test-xtables.lock"};
    for (gsize i = 0; i < G_N_ELEMENTS(env); i++) {
        if (env[i])
            g_setenv("XTABLES_LOCKFILE", env[i], TRUE);
        else
            g_unsetenv("XTABLES_LOCKFILE");
        FwConfig fw;
        fw_config_init_defaults(&fw);
        g_autoptr(Config) cfg = config_new_defaults();
        const FwConfig *c = &cfg->firewall;
        g_assert_cmpint(c->backend, ==, fw.backend);
        g_assert_cmpuint(c->auto_max_rules, ==, fw.auto_max_rules);
        g_assert_cmpstr(c->chain, ==, fw.chain);
        g_assert_cmpuint(c->n_hooks, ==, fw.n_hooks);
        for (guint h = 0; h < fw.n_hooks; h++)
            g_assert_cmpstr(c->hooks[h], ==, fw.hooks[h]);
        g_assert_cmpint(c->action, ==, fw.action);
        g_assert_cmpint(c->direction, ==, fw.direction);
        g_assert_cmpint(c->log, ==, fw.log);
        g_assert_cmpstr(c->log_prefix, ==, fw.log_prefix);
        g_assert_cmpstr(c->lock_file, ==, fw.lock_file);
        g_assert_cmpstr(c->lock_file, ==, env[i] ? env[i] : "/run/xtables.lock");
        g_assert_cmpuint(c->lock_timeout_ms, ==, fw.lock_timeout_ms);
        g_assert_cmpuint(c->verify_interval_s, ==, fw.verify_interval_s);
    }
    /* An unusable value falls back to the built-in default. */
    g_autofree char *ctl = g_strdup("/tmp/a\tb.lock");
    g_setenv("XTABLES_LOCKFILE", ctl, TRUE);
    g_autoptr(Config) cfg = config_new_defaults();
    g_assert_cmpstr(cfg->firewall.lock_file, ==, "/run/xtables.lock");
    if (xtables)
        g_setenv("XTABLES_LOCKFILE", xtables, TRUE);
    else
        g_unsetenv("XTABLES_LOCKFILE");
}

/* The checkout's documented sample is valid and sets every key to the built-in default, except
 * the two paths that point into the checkout. */
static void
test_sample_file(void)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "..", "etc", "alertban.conf", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(Config) sample = config_load_file(path, &error);
    g_assert_no_error(error);
    g_autoptr(Config) defaults = config_new_defaults();
    g_assert_true(g_str_has_suffix(sample->daemon.state_dir, "/state"));
    g_assert_true(g_str_has_suffix(sample->daemon.socket, "/state/alertban.sock"));
    g_free(sample->daemon.state_dir);
    g_free(sample->daemon.socket);
    sample->daemon.state_dir = g_strdup(defaults->daemon.state_dir);
    sample->daemon.socket = g_strdup(defaults->daemon.socket);
    g_free(sample->file);
    sample->file = g_strdup(defaults->file);
    g_strlcpy(sample->firewall.lock_file, defaults->firewall.lock_file,
              sizeof sample->firewall.lock_file);
    g_autofree char *a = config_format(sample);
    g_autofree char *b = config_format(defaults);
    g_assert_cmpstr(a, ==, b);
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *path = g_strdup_printf("/config/load/bad/%s", bad_cases[i].name);
        g_test_add_data_func(path, &bad_cases[i], test_bad);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(good_cases); i++) {
        g_autofree char *path = g_strdup_printf("/config/load/good/%s", good_cases[i].name);
        g_test_add_data_func(path, &good_cases[i], test_good);
    }
    g_test_add_func("/config/load/values", test_values);
    g_test_add_func("/config/load/long-last-line", test_long_last_line);
    g_test_add_func("/config/parse_duration/table", test_duration);
    g_test_add_func("/config/rule_pattern/table", test_rule_pattern);
    g_test_add_func("/config/apply_env/overrides", test_env);
    g_test_add_func("/config/load_file/sample", test_sample_file);
    g_test_add_func("/config/load/lock-file-long", test_lock_file_long);
    g_test_add_func("/config/defaults/firewall", test_firewall_defaults);
    g_test_add("/config/describe_keys/table", Fixture, NULL, fixture_setup, test_keys_table,
               fixture_teardown);
    g_test_add("/config/load_file/whitelist-file", Fixture, NULL, fixture_setup,
               test_whitelist_file, fixture_teardown);
    g_test_add("/config/load_file/whitelist-file-error", Fixture, NULL, fixture_setup,
               test_whitelist_file_error, fixture_teardown);
    g_test_add("/config/load_file/nul-byte", Fixture, NULL, fixture_setup, test_nul_byte,
               fixture_teardown);
    g_test_add("/config/load_file/missing", Fixture, NULL, fixture_setup, test_missing_file,
               fixture_teardown);
    g_test_add("/config/reload/keeps-old-on-error", Fixture, NULL, fixture_setup, test_reload,
               fixture_teardown);
    return g_test_run();
}
