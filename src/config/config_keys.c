// SPDX-License-Identifier: GPL-2.0-or-later
// Every configuration key in one table: its section, type, place in Config, default and doc.
#include "config_keys.h"

#include <string.h>
#include <sys/un.h>

#include "alert.h"
#include "error.h"
#include "metrics.h"

/*
 * A key is one row of config_keys[]: its section and name, the type of its value
 * (config_values.c), where the value lives (an offset into Config, or into ConfigRule for
 * [rule] keys), its range or names, its default written as it would be in the file, and a
 * line of documentation. The loader finds rows by section and name, the defaults are those
 * texts parsed by the same code as the file, config_format() prints the rows in table order,
 * and config_free() frees what they own. Adding a key of an existing type is one row here
 * (and its field in Config).
 *
 * CFG_FIELD and RULE_FIELD check at compile time that a member has the C type the value type
 * writes, so a row cannot point a guint parser at a guint64.
 */

#define TYPE_CHECK(T, expr)                                                                        \
    (0 * sizeof(char[__builtin_types_compatible_p(T, __typeof__(expr)) ? 1 : -1]))
#define CFG_FIELD(T, member) (offsetof(Config, member) + TYPE_CHECK(T, ((Config *)NULL)->member))
#define RULE_FIELD(T, member)                                                                      \
    (offsetof(ConfigRule, member) + TYPE_CHECK(T, ((ConfigRule *)NULL)->member))
/* Enumerations are stored as int: the member must be an int-sized enum. */
#define CFG_ENUM(member)                                                                           \
    (offsetof(Config, member) +                                                                    \
     0 * sizeof(char[sizeof(((Config *)NULL)->member) == sizeof(int) ? 1 : -1]))
#define RULE_ENUM(member)                                                                          \
    (offsetof(ConfigRule, member) +                                                                \
     0 * sizeof(char[sizeof(((ConfigRule *)NULL)->member) == sizeof(int) ? 1 : -1]))

const char *const config_section_names[] = {
    [CONFIG_SECTION_NONE] = "",
    [CONFIG_SECTION_DAEMON] = "daemon",
    [CONFIG_SECTION_INPUT] = "input",
    [CONFIG_SECTION_POLICY] = "policy",
    [CONFIG_SECTION_WHITELIST] = "whitelist",
    [CONFIG_SECTION_FIREWALL] = "firewall",
    [CONFIG_SECTION_SHARE] = "share",
    [CONFIG_SECTION_METRICS] = "metrics",
    [CONFIG_SECTION_RULE] = "rule",
};

/* [metrics] listen: empty (off), or a numeric ADDR:PORT / [ADDR]:PORT to bind. */
static gboolean
check_metrics_listen(const char *value, GError **error)
{
    char addr[64];
    guint16 port;
    return !*value || metrics_listen_parse(value, addr, sizeof addr, &port, error);
}

/* The socket's path must fit in a sockaddr_un. */
static gboolean
check_socket_path(const char *path, GError **error)
{
    gsize max = sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1;
    if (strlen(path) > max) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                    "'%s' is longer than a Unix socket path may be (%zu bytes)", path, max);
        return FALSE;
    }
    return TRUE;
}

/* ---- the table ---- */

static const ConfigChoice on_exit_choices[] = {
    {"keep", CONFIG_ON_EXIT_KEEP}, {"flush", CONFIG_ON_EXIT_FLUSH}, {NULL, 0}};
static const ConfigChoice start_at_choices[] = {
    {"end", CONFIG_START_AT_END}, {"beginning", CONFIG_START_AT_BEGINNING}, {NULL, 0}};
static const ConfigChoice backend_choices[] = {{"iptables", FW_BACKEND_IPTABLES},
                                               {"nftables", FW_BACKEND_NFTABLES},
                                               {"ipset", FW_BACKEND_IPSET},
                                               {"auto", FW_BACKEND_AUTO},
                                               {NULL, 0}};
static const ConfigChoice action_choices[] = {
    {"drop", FW_ACTION_DROP}, {"reject", FW_ACTION_REJECT}, {NULL, 0}};
static const ConfigChoice direction_choices[] = {
    {"in", FW_DIRECTION_IN}, {"both", FW_DIRECTION_BOTH}, {NULL, 0}};
static const ConfigChoice sensor_action_choices[] = {{"any", CONFIG_SENSOR_ACTION_ANY},
                                                     {"blocked", CONFIG_SENSOR_ACTION_BLOCKED},
                                                     {"allowed", CONFIG_SENSOR_ACTION_ALLOWED},
                                                     {NULL, 0}};
/* CONFIG_TRACK_DEFAULT has no name: it is what an unset track means, and is not printed. */
static const ConfigChoice track_choices[] = {
    {"src", CONFIG_TRACK_SRC}, {"dst", CONFIG_TRACK_DST}, {NULL, 0}};

#define DAEMON CONFIG_SECTION_DAEMON
#define INPUT CONFIG_SECTION_INPUT
#define POLICY CONFIG_SECTION_POLICY
#define WHITELIST CONFIG_SECTION_WHITELIST
#define FIREWALL CONFIG_SECTION_FIREWALL
#define SHARE CONFIG_SECTION_SHARE
#define METRICS CONFIG_SECTION_METRICS
#define RULE CONFIG_SECTION_RULE

/* In the order config_format() prints them, each section's keys together. */
const ConfigKey config_keys[] = {
    {DAEMON, "state_dir", &config_value_path, CFG_FIELD(char *, daemon.state_dir),
     .def = "/var/lib/alertban",
     .doc = "Directory of the SQLite state (bans, tracker, checkpoints)."},
    {DAEMON, "socket", &config_value_path, CFG_FIELD(char *, daemon.socket),
     .check = check_socket_path, .def = "/run/alertban/alertban.sock",
     .doc = "Control socket of the alertban CLI."},
    {DAEMON, "socket_group", &config_value_group, CFG_FIELD(char *, daemon.socket_group), .def = "",
     .doc = "Group allowed the read-only commands; empty: root only."},
    {DAEMON, "user", &config_value_user, CFG_FIELD(char *, daemon.user), .def = "",
     .doc = "Outside systemd: the user a daemon started as root becomes."},
    {DAEMON, "on_exit", &config_value_choice, CFG_ENUM(daemon.on_exit), .choices = on_exit_choices,
     .def = "keep", .doc = "On stop: keep the bans in the firewall, or flush them."},
    {DAEMON, "dry_run", &config_value_bool, CFG_FIELD(gboolean, daemon.dry_run), .def = "no",
     .doc = "yes: decide and log verdicts, but install nothing."},
    {DAEMON, "history_days", &config_value_uint, CFG_FIELD(guint, daemon.history_days), .min = 1,
     .max = 3650, .def = "90", .doc = "Days of per-address history kept."},
    {DAEMON, "max_bans", &config_value_uint, CFG_FIELD(guint, daemon.max_bans), .min = 1,
     .max = 10000000, .def = "100000", .doc = "Most bans in force at once."},

    {INPUT, "path", &config_value_paths, CFG_FIELD(GPtrArray *, input.paths),
     .def = "/var/log/snort/alert_fast.txt", .doc = "An alert log to follow; globs allowed."},
    {INPUT, "start_at", &config_value_choice, CFG_ENUM(input.start_at), .choices = start_at_choices,
     .def = "end", .doc = "Where to start in a file no checkpoint matches."},
    {INPUT, "idle_ms", &config_value_uint, CFG_FIELD(guint, input.idle_ms), .min = 1, .max = 60000,
     .def = "250", .doc = "Quiet time after which an open alert_full block is complete."},
    {INPUT, "line_max", &config_value_uint, CFG_FIELD(guint, input.line_max), .min = 256,
     .max = 1024 * 1024, .def = G_STRINGIFY(ALERT_LINE_MAX), .doc = "Longest line read, in bytes."},

    {POLICY, "swap_marker", &config_value_text, CFG_FIELD(char *, policy.swap_marker),
     .def = "BLOCKED DESTINATION",
     .doc = "Text in a rule's msg that makes the destination the offender; empty: never."},
    {POLICY, "priorities", &config_value_priorities, 0, .def = "1 2",
     .doc = "Priorities that count, as a list or ranges; empty: all. Others only through a "
            "[rule] section with its own threshold."},
    {POLICY, "sensor_action", &config_value_choice, CFG_ENUM(policy.sensor_action),
     .choices = sensor_action_choices, .def = "any",
     .doc = "Alerts that count by what the sensor did with the packet: any; blocked (it "
            "dropped or rejected it); allowed (it let it through)."},
    {POLICY, "threshold", &config_value_threshold, CFG_FIELD(Threshold, policy.threshold),
     .def = "5/10m", .doc = "N alerts within T per offender before a ban."},
    {POLICY, "priority_thresholds", &config_value_priority_thresholds, 0, .def = "1:1/60s",
     .doc = "PRIORITY:N/T thresholds that replace `threshold` for those priorities."},
    {POLICY, "ban_time", &config_value_seconds, CFG_FIELD(guint64, policy.ban_time_s), .min = 1,
     .max = CONFIG_DURATION_MAX_S, .def = "1h", .doc = "Length of a first ban."},
    {POLICY, "extend", &config_value_extend, 0, .def = "10m-30m",
     .doc = "Random time added to a ban for each further alert while it is in force."},
    {POLICY, "escalate", &config_value_factor, CFG_FIELD(double, policy.escalate), .min = 1,
     .max = (guint64)CONFIG_ESCALATE_MAX, .def = "2",
     .doc = "Factor applied to ban_time for each earlier ban of the address."},
    {POLICY, "max_ban_time", &config_value_seconds, CFG_FIELD(guint64, policy.max_ban_time_s),
     .min = 1, .max = CONFIG_DURATION_MAX_S, .def = "7d", .doc = "Longest ban the policy makes."},
    {POLICY, "max_bans_per_minute", &config_value_uint,
     CFG_FIELD(guint, policy.max_bans_per_minute), .min = 0, .max = CONFIG_MAX_BANS_PER_MINUTE_MAX,
     .def = "600", .doc = "New bans in a minute above which bans are held; 0: no limit."},
    {POLICY, "max_tracked", &config_value_uint, CFG_FIELD(guint, policy.max_tracked), .min = 1,
     .max = CONFIG_MAX_TRACKED_MAX, .def = "100000",
     .doc = "Most addresses tracked but not banned at once."},
    {POLICY, "home_net", &config_value_prefixes, CFG_FIELD(GArray *, policy.home_net), .def = "",
     .doc = "When set, only alerts whose other end is inside these networks count."},
    {POLICY, "protect", &config_value_prefixes, CFG_FIELD(GArray *, policy.protect), .def = "",
     .doc = "Networks never banned."},
    {POLICY, "min_prefix4", &config_value_uint, CFG_FIELD(guint, policy.min_prefix4), .min = 1,
     .max = 32, .def = "16", .doc = "Shortest IPv4 prefix a manual ban takes without --force."},
    {POLICY, "min_prefix6", &config_value_uint, CFG_FIELD(guint, policy.min_prefix6), .min = 1,
     .max = 128, .def = "48", .doc = "Shortest IPv6 prefix a manual ban takes without --force."},
    {POLICY, "ipv6_prefix", &config_value_uint, CFG_FIELD(guint, policy.ipv6_prefix), .min = 32,
     .max = 128, .def = "128",
     .doc = "Length of the network an IPv6 offender is banned by; 128: the address alone."},

    {WHITELIST, "address", &config_value_prefixes, CFG_FIELD(GArray *, whitelist.addresses),
     .def = "", .doc = "Addresses or networks never banned."},
    {WHITELIST, "rule", &config_value_rules, CFG_FIELD(GArray *, whitelist.rules), .def = "",
     .doc = "Rules (GID:SID, * for either side) whose alerts are ignored."},
    {WHITELIST, "file", &config_value_whitelist_files, CFG_FIELD(GPtrArray *, whitelist.files),
     .doc = "A file of addresses, networks and rules, one per line."},

    {FIREWALL, "backend", &config_value_choice, CFG_ENUM(firewall.backend),
     .choices = backend_choices, .def = "auto",
     .doc = "How bans reach the kernel: iptables, nftables, ipset or auto."},
    {FIREWALL, "auto_max_rules", &config_value_uint, CFG_FIELD(guint, firewall.auto_max_rules),
     .min = 1, .max = 100000, .def = G_STRINGIFY(FW_AUTO_MAX_RULES_DEFAULT),
     .doc = "backend = auto: the most bans kept as one iptables rule each."},
    {FIREWALL, "chain", &config_value_chain, CFG_FIELD(char[FW_CHAIN_MAX], firewall.chain),
     .max = FW_CHAIN_MAX, .def = "ALERTBAN",
     .doc = "The chain (and name of the sets) alertban owns."},
    {FIREWALL, "hooks", &config_value_hooks, 0, .def = "INPUT",
     .doc = "Where packets meet our chain: INPUT, FORWARD, OUTPUT, PREROUTING (raw), DOCKER-USER."},
    {FIREWALL, "action", &config_value_choice, CFG_ENUM(firewall.action), .choices = action_choices,
     .def = "drop", .doc = "What happens to a banned address's packets: drop or reject."},
    {FIREWALL, "direction", &config_value_choice, CFG_ENUM(firewall.direction),
     .choices = direction_choices, .def = "in",
     .doc = "in: packets from the banned address; both: also packets to it."},
    {FIREWALL, "log", &config_value_bool, CFG_FIELD(gboolean, firewall.log), .def = "no",
     .doc = "yes: a rate-limited LOG rule before the verdict."},
    {FIREWALL, "log_prefix", &config_value_text_buf,
     CFG_FIELD(char[FW_LOG_PREFIX_MAX], firewall.log_prefix), .max = FW_LOG_PREFIX_MAX,
     .def = "\"alertban: \"", .doc = "Prefix of those log lines."},
    {FIREWALL, "lock_file", &config_value_path_buf, CFG_FIELD(char[256], firewall.lock_file),
     .max = 256, .def = "/run/xtables.lock", .def_env = "XTABLES_LOCKFILE",
     .doc = "The xtables lock shared with iptables."},
    {FIREWALL, "lock_timeout", &config_value_millis, CFG_FIELD(guint, firewall.lock_timeout_ms),
     .max = 300000, .def = "5s", .doc = "How long to wait for that lock."},
    {FIREWALL, "verify_interval", &config_value_period,
     CFG_FIELD(guint, firewall.verify_interval_s), .max = 86400, .def = "60s",
     .doc = "How often the kernel's bans, chains or sets are checked and repaired; 0: never."},
    {FIREWALL, "cut", &config_value_bool, CFG_FIELD(gboolean, firewall.cut), .def = "yes",
     .doc = "yes: a new ban also ends its prefix's open connections (conntrack, sockets)."},

    {SHARE, "redis", &config_value_text, CFG_FIELD(char *, share.redis), .def = "",
     .doc = "Where Redis is: unix:PATH or HOST:PORT; empty: bans are not shared."},
    {SHARE, "user", &config_value_text, CFG_FIELD(char *, share.user), .def = "",
     .doc = "Redis ACL user; empty: AUTH with the password alone."},
    {SHARE, "password_file", &config_value_text, CFG_FIELD(char *, share.password_file),
     .def = "", .doc = "File whose first line is the Redis password (mode 0600); empty: no AUTH."},
    {SHARE, "node", &config_value_text, CFG_FIELD(char *, share.node), .def = "",
     .doc = "This node's name in shared decisions; empty: the host name."},
    {SHARE, "publish", &config_value_bool, CFG_FIELD(gboolean, share.publish), .def = "yes",
     .doc = "yes: this node's bans and unbans go to Redis."},
    {SHARE, "receive", &config_value_bool, CFG_FIELD(gboolean, share.receive), .def = "yes",
     .doc = "yes: the other nodes' bans and unbans are applied here."},
    {SHARE, "prefix", &config_value_text, CFG_FIELD(char *, share.prefix), .def = "alertban",
     .doc = "Namespace of the Redis keys, so that clusters can share one Redis."},
    {SHARE, "stream_max_len", &config_value_uint, CFG_FIELD(guint, share.stream_max_len),
     .min = 100, .max = 100000000, .def = "100000",
     .doc = "The decision log is trimmed to about this many entries."},

    {METRICS, "listen", &config_value_text, CFG_FIELD(char *, metrics.listen),
     .check = check_metrics_listen, .def = "",
     .doc = "ADDR:PORT or [ADDR]:PORT of the Prometheus endpoint (GET /metrics); empty: off."},

    {RULE, "threshold", &config_value_threshold, RULE_FIELD(Threshold, threshold),
     .present = RULE_FIELD(gboolean, has_threshold),
     .doc = "Its own N/T window, counted per offender."},
    {RULE, "ban_time", &config_value_seconds, RULE_FIELD(guint64, ban_time_s), .min = 1,
     .max = CONFIG_DURATION_MAX_S, .present = RULE_FIELD(gboolean, has_ban_time),
     .doc = "Its own first-ban length."},
    {RULE, "track", &config_value_choice, RULE_ENUM(track), .choices = track_choices,
     .doc = "Who the offender is: src or dst; overrides the swap marker."},
    {RULE, "ignore", &config_value_bool, RULE_FIELD(gboolean, ignore), .def = "no",
     .doc = "yes: alerts of these rules are never acted on."},
};

const gsize config_n_keys = G_N_ELEMENTS(config_keys);

const ConfigKey *
config_key_find(ConfigSection section, const char *name)
{
    for (gsize i = 0; i < config_n_keys; i++) {
        if (config_keys[i].section == section && strcmp(config_keys[i].name, name) == 0)
            return &config_keys[i];
    }
    return NULL;
}

gboolean
config_key_parse(const ConfigKey *key, void *base, const char *text, const char *dir,
                 GError **error)
{
    if (!key->type->parse(key, base, text, dir, error))
        return FALSE;
    if (key->present)
        *(gboolean *)(void *)((char *)base + key->present) = TRUE;
    return TRUE;
}

void
config_keys_init_defaults(ConfigSection section, void *base)
{
    for (gsize i = 0; i < config_n_keys; i++) {
        const ConfigKey *key = &config_keys[i];
        if (key->section != section)
            continue;
        if (key->type->clear)
            key->type->clear(key, base);
        /* An unusable value in the environment falls back to the built-in default. */
        const char *env = key->def_env ? g_getenv(key->def_env) : NULL;
        if (env && *env && config_key_parse(key, base, env, NULL, NULL))
            continue;
        if (env && *env && key->type->clear)
            key->type->clear(key, base); /* what the rejected value added */
        if (!key->def)
            continue;
        /* The built-in defaults are valid: a unit test loads each one. */
        gboolean ok = config_key_parse(key, base, key->def, NULL, NULL);
        g_assert(ok);
    }
}

void
config_keys_free(ConfigSection section, void *base)
{
    for (gsize i = 0; i < config_n_keys; i++) {
        const ConfigKey *key = &config_keys[i];
        if (key->section == section && key->type->free)
            key->type->free(key, base);
    }
}
