// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's configuration: one INI file parsed with inih into a validated, owned Config.
#pragma once

#include <glib.h>

#include "fw.h"
#include "ipaddr.h"

/* Longest line a configuration file may have, in bytes, not counting the newline. inih reads
 * lines into a fixed 200-byte buffer; a longer line is rejected with its file:line instead of
 * being split silently. Long lists go in repeated keys or in a whitelist file. */
#define CONFIG_LINE_MAX 197

/* Largest configuration or whitelist file read, in bytes. */
#define CONFIG_FILE_MAX (64u * 1024 * 1024)

/* Bounds checked when the file is parsed. */
#define CONFIG_THRESHOLD_COUNT_MAX 1000u
#define CONFIG_DURATION_MAX_S (3650ull * 86400) /* ten years */
#define CONFIG_PRIORITY_MAX 255
#define CONFIG_ESCALATE_MAX 100.0
#define CONFIG_MAX_BANS_PER_MINUTE_MAX 100000u
#define CONFIG_MAX_TRACKED_MAX 10000000u

/* A rule pattern GID:SID where either side may be '*'. */
typedef struct {
    guint32 gid, sid;
    gboolean any_gid, any_sid;
} RulePattern;

/* Parses "G:S", "G:*", "*:S" or "*:*" (decimal, no spaces). */
gboolean rule_pattern_parse(const char *text, RulePattern *out, GError **error);
/* Writes the pattern's text ("1:2000", "129:*") into buf (at least 24 bytes); returns buf. */
const char *rule_pattern_format(const RulePattern *p, char *buf, gsize size);
/* TRUE when gid:sid is one of the rules the pattern names. */
gboolean rule_pattern_matches(const RulePattern *p, guint32 gid, guint32 sid);
/* How specific a pattern is: 3 exact, 2 G:*, 1 *:S, 0 *:*. The most specific match wins. */
guint rule_pattern_specificity(const RulePattern *p);

/* N alerts within window_s seconds. */
typedef struct {
    guint count;
    guint window_s;
} Threshold;

typedef enum {
    CONFIG_ON_EXIT_KEEP,
    CONFIG_ON_EXIT_FLUSH,
} ConfigOnExit;

typedef enum {
    CONFIG_START_AT_END,
    CONFIG_START_AT_BEGINNING,
} ConfigStartAt;

/* [policy] sensor_action: which alerts count by what the sensor did with the packet. */
typedef enum {
    CONFIG_SENSOR_ACTION_ANY,
    CONFIG_SENSOR_ACTION_BLOCKED, /* only alerts the sensor blocked (dropped, rejected...) */
    CONFIG_SENSOR_ACTION_ALLOWED, /* only alerts on packets the sensor let through */
} ConfigSensorAction;

typedef enum {
    CONFIG_TRACK_DEFAULT, /* source, or destination when the msg has the swap marker */
    CONFIG_TRACK_SRC,
    CONFIG_TRACK_DST,
} ConfigTrack;

/* A [rule G:S] section: overrides for alerts whose rule matches the pattern. */
typedef struct {
    RulePattern pattern;
    gboolean has_threshold;
    Threshold threshold;
    gboolean has_ban_time;
    guint64 ban_time_s;
    ConfigTrack track;
    gboolean ignore;
} ConfigRule;

/* The whole configuration. It is a plain struct the daemon reads directly; treat it as
 * read-only once loaded. Paths are absolute (relative ones in the file are resolved against
 * the file's directory). Lists are never NULL. Free with config_free(). */
typedef struct {
    char *file; /* the file it was loaded from (or the name given to config_load_string) */

    struct {
        char *state_dir;
        char *socket;
        char *socket_group; /* "" when unset: only root may use the socket */
        char *user;         /* "" when unset: the daemon keeps the user it was started as */
        ConfigOnExit on_exit;
        gboolean dry_run;
        guint history_days; /* tracker rows older than this are deleted */
        guint max_bans;     /* ceiling of the ban table */
    } daemon;

    struct {
        GPtrArray *paths; /* char *, globs allowed */
        ConfigStartAt start_at;
        guint idle_ms;  /* quiet time before an open alert_full block is flushed */
        guint line_max; /* longest line (or block line) read, in bytes */
    } input;

    struct {
        char *swap_marker;       /* "" disables the marker */
        gboolean priorities_all; /* TRUE when `priorities` is empty: every priority counts */
        guint8 priorities[(CONFIG_PRIORITY_MAX + 1) / 8]; /* bit set of priorities that count */
        Threshold threshold;
        /* `priority_thresholds`: the threshold of alerts of priority p when
         * by_priority[p].count > 0, else `threshold`. */
        Threshold by_priority[CONFIG_PRIORITY_MAX + 1];
        guint64 ban_time_s;
        guint64 extend_min_s, extend_max_s; /* both 0: no extension */
        double escalate;
        guint64 max_ban_time_s;
        guint max_bans_per_minute; /* 0: no safety valve */
        guint max_tracked;         /* cap of the table of tracked, not yet banned addresses */
        GArray *home_net;          /* IpPrefix; empty: every alert counts */
        GArray *protect;           /* IpPrefix */
        guint min_prefix4, min_prefix6; /* manual bans of wider networks need --force */
        guint ipv6_prefix;         /* IPv6 offenders are banned by this prefix; 128: alone */
        ConfigSensorAction sensor_action;
    } policy;

    struct {
        GArray *addresses;      /* IpPrefix from `address` keys */
        GArray *rules;          /* RulePattern from `rule` keys */
        GPtrArray *files;       /* char *, absolute paths */
        GArray *file_addresses; /* IpPrefix read from the files */
        GArray *file_rules;     /* RulePattern read from the files */
    } whitelist;

    FwConfig firewall;

    struct {
        char *redis;         /* "unix:PATH" or "HOST:PORT"; "" (the default): no sharing */
        char *user;          /* Redis ACL user; "" for none */
        char *password_file; /* "" for no AUTH */
        char *node;          /* this node's name; "": the host name */
        gboolean publish, receive;
        char *prefix; /* key namespace */
        guint stream_max_len;
    } share;

    struct {
        char *listen; /* "ADDR:PORT" or "[ADDR]:PORT" of GET /metrics; "" (the default): off */
    } metrics;

    GArray *rules; /* ConfigRule, in file order */
} Config;

/* A Config holding only the defaults (no file read); paths are the installed ones. */
Config *config_new_defaults(void);

/* Reads and validates path, and any whitelist files it names. Returns an owned Config, or
 * NULL with an ALERTBAN_ERROR_CONFIG error whose message starts with "FILE:LINE: ". */
Config *config_load_file(const char *path, GError **error);

/* The same on text (NUL-terminated) that claims to come from name; relative paths resolve
 * against name's directory. */
Config *config_load_string(const char *text, const char *name, GError **error);

/* Reload: parses path into a fresh Config and, only when it is valid, frees *current and
 * stores the new one there. On error *current is left untouched and FALSE is returned. */
gboolean config_reload(Config **current, const char *path, GError **error);

/* Applies the environment overrides used by tests and packaging: ALERTBAN_STATE_DIR,
 * ALERTBAN_SOCKET, ALERTBAN_INPUT_PATH (replaces every path), ALERTBAN_LOCK_FILE. */
void config_apply_env(Config *cfg);

/* The effective configuration in INI form, every key present; the caller frees it. */
char *config_format(const Config *cfg);

/* Every key the parser knows, one line each: "SECTION<TAB>KEY<TAB>DEFAULT<TAB>DOC" (DEFAULT
 * as written in a file, empty when the key is unset by default), in the order config_format()
 * prints them; the caller frees it. For documentation and its checks. */
char *config_describe_keys(void);

/* The most specific [rule] section matching gid:sid, or NULL. */
const ConfigRule *config_find_rule(const Config *cfg, guint32 gid, guint32 sid);

/* The threshold for alerts of priority (< 0 counts as 0) without a rule threshold of their
 * own: its `priority_thresholds` entry, else `threshold`. */
Threshold config_priority_threshold(const Config *cfg, gint32 priority);

/* TRUE when priority counts under `priorities` (priority < 0, meaning "not printed", is
 * treated as 0, which is what Snort prints for rules without a priority). */
gboolean config_priority_counts(const Config *cfg, gint32 priority);

/* Parses a duration in the grammar of duration.h ("90", "10m", "1h30m", "2w"), at most 3650d. */
gboolean config_parse_duration(const char *text, guint64 *out_s, GError **error);

void config_free(Config *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Config, config_free)
