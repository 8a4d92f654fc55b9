// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's configuration: one INI file parsed with inih into a validated, owned Config.
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "alert.h"
#include "error.h"

/*
 * inih is driven through ini_parse_stream() with a reader of our own over the whole file in
 * memory. The reader is where the things inih cannot report are checked, each with the line
 * number it counts itself: lines too long for inih's 200-byte buffer (inih would split them
 * and parse the rest as a new line), NUL bytes, section headers (so an empty unknown section
 * is still an error), and lines that are neither comment, section nor `key = value`. It also
 * strips leading whitespace, so an indented key is a key and never one of inih's
 * continuation lines. The first error stops the parse: the reader then reports end of input.
 */

typedef enum {
    SECTION_NONE,
    SECTION_DAEMON,
    SECTION_INPUT,
    SECTION_POLICY,
    SECTION_WHITELIST,
    SECTION_FIREWALL,
    SECTION_RULE,
} SectionKind;

static const char *const section_names[] = {
    [SECTION_NONE] = "",         [SECTION_DAEMON] = "daemon",       [SECTION_INPUT] = "input",
    [SECTION_POLICY] = "policy", [SECTION_WHITELIST] = "whitelist", [SECTION_FIREWALL] = "firewall",
    [SECTION_RULE] = "rule",
};

typedef struct {
    Config *cfg;
    const char *name; /* file name used in messages */
    char *dir;        /* relative paths resolve against it */
    const char *text;
    gsize len, pos;
    guint lineno;
    GError *error;
    guint error_line;
    SectionKind section;
    guint rule_index;      /* cfg->rules index while in a [rule] section */
    GHashTable *seen_keys; /* "section-id/key" -> line, for keys that may be set once */
    gboolean paths_set, hooks_set;
    guint ban_time_line, max_ban_time_line;
} Loader;

static void config_free_members(Config *cfg);

G_GNUC_PRINTF(2, 3)
static void
fail(Loader *ld, const char *fmt, ...)
{
    if (ld->error)
        return;
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    ld->error =
        g_error_new(ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, "%s:%u: %s", ld->name, ld->lineno, msg);
    ld->error_line = ld->lineno;
}

/* ---- value parsers (each sets a message without the file:line prefix) ---- */

static gboolean
parse_uint(const char *text, guint64 min, guint64 max, guint64 *out, GError **error)
{
    if (!g_ascii_string_to_unsigned(text, 10, min, max, out, NULL)) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                    "expected a whole number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                    ", got '%s'",
                    min, max, text);
        return FALSE;
    }
    return TRUE;
}

static gboolean
parse_bool(const char *text, gboolean *out, GError **error)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (gsize i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (g_ascii_strcasecmp(text, yes[i]) == 0) {
            *out = TRUE;
            return TRUE;
        }
        if (g_ascii_strcasecmp(text, no[i]) == 0) {
            *out = FALSE;
            return TRUE;
        }
    }
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, "expected yes or no, got '%s'", text);
    return FALSE;
}

/* Duration in milliseconds: a number with an optional ms, s, m, h or d suffix (seconds when
 * bare). */
static gboolean
parse_duration_ms(const char *text, guint64 *out_ms, GError **error)
{
    const char *p = text;
    while (g_ascii_isdigit(*p))
        p++;
    gsize digits = (gsize)(p - text);
    guint64 unit_ms = 0;
    if (strcmp(p, "") == 0 || strcmp(p, "s") == 0)
        unit_ms = 1000;
    else if (strcmp(p, "ms") == 0)
        unit_ms = 1;
    else if (strcmp(p, "m") == 0)
        unit_ms = 60 * 1000;
    else if (strcmp(p, "h") == 0)
        unit_ms = 3600 * 1000;
    else if (strcmp(p, "d") == 0)
        unit_ms = 86400 * 1000;
    guint64 n = 0;
    g_autofree char *num = g_strndup(text, digits);
    if (digits == 0 || digits > 12 || unit_ms == 0 ||
        !g_ascii_string_to_unsigned(num, 10, 0, G_MAXUINT64, &n, NULL) ||
        n > CONFIG_DURATION_MAX_S * 1000 / unit_ms) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                    "expected a duration such as 90s, 10m, 1h or 7d (at most 3650d), got '%s'",
                    text);
        return FALSE;
    }
    *out_ms = n * unit_ms;
    return TRUE;
}

gboolean
config_parse_duration(const char *text, guint64 *out_s, GError **error)
{
    g_return_val_if_fail(text != NULL && out_s != NULL, FALSE);
    guint64 ms;
    if (g_str_has_suffix(text, "ms") || !parse_duration_ms(text, &ms, NULL)) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                    "expected a duration such as 90s, 10m, 1h or 7d (at most 3650d), got '%s'",
                    text);
        return FALSE;
    }
    *out_s = ms / 1000;
    return TRUE;
}

static gboolean
parse_duration_range(const char *text, guint64 min_s, guint64 max_s, guint64 *out, GError **error)
{
    if (!config_parse_duration(text, out, error))
        return FALSE;
    if (*out < min_s || *out > max_s) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                    "'%s' is out of range: expected from %" G_GUINT64_FORMAT
                    "s to %" G_GUINT64_FORMAT "s",
                    text, min_s, max_s);
        return FALSE;
    }
    return TRUE;
}

static gboolean
parse_threshold(const char *text, Threshold *out, GError **error)
{
    const char *slash = strchr(text, '/');
    guint64 count, window;
    g_autofree char *n = slash ? g_strndup(text, (gsize)(slash - text)) : NULL;
    if (!slash || !g_ascii_string_to_unsigned(n, 10, 1, CONFIG_THRESHOLD_COUNT_MAX, &count, NULL) ||
        !config_parse_duration(slash + 1, &window, NULL) || window < 1 || window > 86400) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                    "expected N/T: N alerts (1 to %u) within T (1s to 1d), such as 10/120s, "
                    "got '%s'",
                    CONFIG_THRESHOLD_COUNT_MAX, text);
        return FALSE;
    }
    out->count = (guint)count;
    out->window_s = (guint)window;
    return TRUE;
}

static gboolean
parse_extend(const char *text, guint64 *min_s, guint64 *max_s, GError **error)
{
    const char *dash = strchr(text, '-');
    g_autofree char *a = dash ? g_strndup(text, (gsize)(dash - text)) : g_strdup(text);
    const char *b = dash ? dash + 1 : a;
    if (!config_parse_duration(a, min_s, NULL) || !config_parse_duration(b, max_s, NULL) ||
        *min_s > *max_s) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                    "expected a duration or a range A-B with A <= B, such as 10m-30m (0: no "
                    "extension), got '%s'",
                    text);
        return FALSE;
    }
    return TRUE;
}

static gboolean
parse_priorities(const char *text, Config *cfg, GError **error)
{
    g_auto(GStrv) items = g_strsplit_set(text, " \t,", -1);
    memset(cfg->policy.priorities, 0, sizeof cfg->policy.priorities);
    gboolean any = FALSE;
    for (char **it = items; *it; it++) {
        if (**it == '\0')
            continue;
        const char *dash = strchr(*it, '-');
        g_autofree char *lo_text = dash ? g_strndup(*it, (gsize)(dash - *it)) : g_strdup(*it);
        const char *hi_text = dash ? dash + 1 : lo_text;
        guint64 lo, hi;
        if (!g_ascii_string_to_unsigned(lo_text, 10, 0, CONFIG_PRIORITY_MAX, &lo, NULL) ||
            !g_ascii_string_to_unsigned(hi_text, 10, 0, CONFIG_PRIORITY_MAX, &hi, NULL) ||
            lo > hi) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                        "expected priorities from 0 to %d as a list or ranges, such as '1 2' "
                        "or '0-2', got '%s'",
                        CONFIG_PRIORITY_MAX, *it);
            return FALSE;
        }
        for (guint64 p = lo; p <= hi; p++)
            cfg->policy.priorities[p / 8] |= (guint8)(1u << (p % 8));
        any = TRUE;
    }
    cfg->policy.priorities_all = !any;
    return TRUE;
}

/* Appends every address or network in a space- or comma-separated list. */
static gboolean
parse_prefix_list(const char *text, GArray *out, GError **error)
{
    g_auto(GStrv) items = g_strsplit_set(text, " \t,", -1);
    for (char **it = items; *it; it++) {
        if (**it == '\0')
            continue;
        IpPrefix p;
        if (!ipprefix_parse(*it, &p, error))
            return FALSE;
        g_array_append_val(out, p);
    }
    return TRUE;
}

static gboolean
parse_rule_list(const char *text, GArray *out, GError **error)
{
    g_auto(GStrv) items = g_strsplit_set(text, " \t,", -1);
    for (char **it = items; *it; it++) {
        if (**it == '\0')
            continue;
        RulePattern p;
        if (!rule_pattern_parse(*it, &p, error))
            return FALSE;
        g_array_append_val(out, p);
    }
    return TRUE;
}

static gboolean
has_control_chars(const char *s)
{
    for (; *s; s++) {
        if ((guchar)*s < 0x20 || *s == 0x7f)
            return TRUE;
    }
    return FALSE;
}

static char *
resolve_path(const Loader *ld, const char *value)
{
    return g_canonicalize_filename(value, ld->dir);
}

/* ---- rule patterns ---- */

static gboolean
parse_rule_side(const char *text, gsize len, guint32 *out, gboolean *any)
{
    if (len == 1 && text[0] == '*') {
        *any = TRUE;
        *out = 0;
        return TRUE;
    }
    if (len == 0 || len > 10)
        return FALSE;
    char buf[11];
    memcpy(buf, text, len);
    buf[len] = '\0';
    guint64 v;
    if (!g_ascii_string_to_unsigned(buf, 10, 0, G_MAXUINT32, &v, NULL))
        return FALSE;
    *any = FALSE;
    *out = (guint32)v;
    return TRUE;
}

gboolean
rule_pattern_parse(const char *text, RulePattern *out, GError **error)
{
    g_return_val_if_fail(text != NULL && out != NULL, FALSE);
    memset(out, 0, sizeof *out);
    const char *colon = strchr(text, ':');
    if (!colon || !parse_rule_side(text, (gsize)(colon - text), &out->gid, &out->any_gid) ||
        !parse_rule_side(colon + 1, strlen(colon + 1), &out->sid, &out->any_sid)) {
        memset(out, 0, sizeof *out);
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                    "expected a rule GID:SID with * for either side, such as 1:2000 or 129:*, "
                    "got '%s'",
                    text);
        return FALSE;
    }
    return TRUE;
}

const char *
rule_pattern_format(const RulePattern *p, char *buf, gsize size)
{
    char g[16], s[16];
    if (p->any_gid)
        g_strlcpy(g, "*", sizeof g);
    else
        g_snprintf(g, sizeof g, "%u", p->gid);
    if (p->any_sid)
        g_strlcpy(s, "*", sizeof s);
    else
        g_snprintf(s, sizeof s, "%u", p->sid);
    g_snprintf(buf, size, "%s:%s", g, s);
    return buf;
}

gboolean
rule_pattern_matches(const RulePattern *p, guint32 gid, guint32 sid)
{
    return (p->any_gid || p->gid == gid) && (p->any_sid || p->sid == sid);
}

guint
rule_pattern_specificity(const RulePattern *p)
{
    if (!p->any_gid && !p->any_sid)
        return 3;
    if (!p->any_gid)
        return 2;
    if (!p->any_sid)
        return 1;
    return 0;
}

static gboolean
rule_pattern_equal(const RulePattern *a, const RulePattern *b)
{
    return a->any_gid == b->any_gid && a->any_sid == b->any_sid &&
           (a->any_gid || a->gid == b->gid) && (a->any_sid || a->sid == b->sid);
}

/* ---- the reader ---- */

static gboolean
is_blank_or_comment(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r')
        s++;
    return *s == '\0' || *s == ';' || *s == '#';
}

/* Checks a section header line ("[name]" plus an optional comment) and enters it. */
static void
enter_section(Loader *ld, const char *line)
{
    const char *close = strchr(line, ']');
    if (!close) {
        fail(ld, "section header without a closing ']'");
        return;
    }
    if (!is_blank_or_comment(close + 1)) {
        fail(ld, "unexpected text after the section header");
        return;
    }
    g_autofree char *raw = g_strndup(line + 1, (gsize)(close - line - 1));
    char *name = g_strstrip(raw);
    for (SectionKind k = SECTION_DAEMON; k < SECTION_RULE; k++) {
        if (strcmp(name, section_names[k]) == 0) {
            ld->section = k;
            return;
        }
    }
    if (g_str_has_prefix(name, "rule") && (name[4] == ' ' || name[4] == '\t')) {
        const char *pat_text = name + 5;
        while (*pat_text == ' ' || *pat_text == '\t')
            pat_text++;
        ConfigRule rule = {.track = CONFIG_TRACK_DEFAULT};
        g_autoptr(GError) err = NULL;
        if (!rule_pattern_parse(pat_text, &rule.pattern, &err)) {
            fail(ld, "[rule ...]: %s", err->message);
            return;
        }
        for (guint i = 0; i < ld->cfg->rules->len; i++) {
            ConfigRule *r = &g_array_index(ld->cfg->rules, ConfigRule, i);
            if (rule_pattern_equal(&r->pattern, &rule.pattern)) {
                fail(ld, "[rule %s] appears twice", pat_text);
                return;
            }
        }
        g_array_append_val(ld->cfg->rules, rule);
        ld->section = SECTION_RULE;
        ld->rule_index = ld->cfg->rules->len - 1;
        return;
    }
    fail(ld,
         "unknown section [%s]: expected [daemon], [input], [policy], [whitelist], "
         "[firewall] or [rule GID:SID]",
         name);
}

static char *
reader(char *str, int num, void *stream)
{
    Loader *ld = stream;
    if (ld->error || ld->pos >= ld->len)
        return NULL;
    const char *start = ld->text + ld->pos;
    gsize rest = ld->len - ld->pos;
    const char *nl = memchr(start, '\n', rest);
    gsize line_len = nl ? (gsize)(nl - start) : rest;
    ld->pos += line_len + (nl ? 1 : 0);
    ld->lineno++;
    if (line_len > 0 && start[line_len - 1] == '\r')
        line_len--;

    if (memchr(start, '\0', line_len)) {
        fail(ld, "NUL byte in the line");
        return NULL;
    }
    if (line_len > CONFIG_LINE_MAX || line_len + 3 > (gsize)num) {
        fail(ld,
             "line is %" G_GSIZE_FORMAT " bytes long; at most %d are allowed (put long "
             "lists in repeated keys or a whitelist file)",
             line_len, MIN(CONFIG_LINE_MAX, num - 3));
        return NULL;
    }
    const char *p = start;
    const char *end = start + line_len;
    if (ld->lineno == 1 && line_len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    gsize n = (gsize)(end - p);
    memcpy(str, p, n);
    str[n] = '\0';

    if (str[0] == '[') {
        enter_section(ld, str);
    } else if (!is_blank_or_comment(str)) {
        const char *sep = strpbrk(str, "=:");
        const char *semi = strchr(str, ';');
        if (!sep || (semi && semi < sep) || sep == str)
            fail(ld, "expected '[section]', 'key = value' or a comment");
    }
    return ld->error ? NULL : str;
}

/* ---- the handler ---- */

/* Records a key that may be set only once per section; FALSE (and an error) on a repeat. */
static gboolean
once(Loader *ld, const char *key)
{
    g_autofree char *id = ld->section == SECTION_RULE
                              ? g_strdup_printf("rule%u/%s", ld->rule_index, key)
                              : g_strdup_printf("%d/%s", ld->section, key);
    gpointer prev = g_hash_table_lookup(ld->seen_keys, id);
    if (prev) {
        fail(ld, "'%s' is already set in this section (line %u)", key, GPOINTER_TO_UINT(prev));
        return FALSE;
    }
    g_hash_table_insert(ld->seen_keys, g_steal_pointer(&id), GUINT_TO_POINTER(ld->lineno));
    return TRUE;
}

#define CHECK(call)                                                                                \
    do {                                                                                           \
        g_autoptr(GError) err_ = NULL;                                                             \
        GError **error = &err_;                                                                    \
        if (!(call)) {                                                                             \
            fail(ld, "%s: %s", key, err_->message);                                                \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* A text value; enclosing double quotes are removed, so leading or trailing spaces (which inih
 * strips) can be kept: log_prefix = "alertban: ". */
static char *
unquote(const char *value)
{
    gsize n = strlen(value);
    if (n >= 2 && value[0] == '"' && value[n - 1] == '"')
        return g_strndup(value + 1, n - 2);
    return g_strdup(value);
}

static gboolean
set_string(char **dst, const char *value, GError **error)
{
    if (has_control_chars(value)) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, "control characters in value");
        return FALSE;
    }
    g_free(*dst);
    *dst = unquote(value);
    return TRUE;
}

static gboolean
set_path(Loader *ld, char **dst, const char *raw, GError **error)
{
    g_autofree char *value = unquote(raw);
    if (*value == '\0') {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, "expected a path");
        return FALSE;
    }
    if (has_control_chars(value)) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, "control characters in path");
        return FALSE;
    }
    g_free(*dst);
    *dst = resolve_path(ld, value);
    return TRUE;
}

static gboolean
set_choice(const char *value, const char *a, const char *b, int *out, GError **error)
{
    if (strcmp(value, a) == 0)
        *out = 0;
    else if (strcmp(value, b) == 0)
        *out = 1;
    else {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, "expected %s or %s, got '%s'", a,
                    b, value);
        return FALSE;
    }
    return TRUE;
}

static gboolean
set_uint(const char *value, guint64 min, guint64 max, guint *out, GError **error)
{
    guint64 v;
    if (!parse_uint(value, min, max, &v, error))
        return FALSE;
    *out = (guint)v;
    return TRUE;
}

static gboolean
set_group(const char *value, char **dst, GError **error)
{
    for (const char *p = value; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-' && *p != '.') {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                        "expected a group name, got '%s'", value);
            return FALSE;
        }
    }
    g_free(*dst);
    *dst = g_strdup(value);
    return TRUE;
}

static gboolean
set_user(const char *value, char **dst, GError **error)
{
    for (const char *p = value; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-' && *p != '.') {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                        "expected a user name, got '%s'", value);
            return FALSE;
        }
    }
    g_free(*dst);
    *dst = g_strdup(value);
    return TRUE;
}

static void
unknown_key(Loader *ld, const char *key)
{
    if (ld->section == SECTION_RULE)
        fail(ld,
             "unknown key '%s' in a [rule] section (expected threshold, ban_time, track "
             "or ignore)",
             key);
    else
        fail(ld, "unknown key '%s' in [%s]", key, section_names[ld->section]);
}

static void
handle_daemon(Loader *ld, const char *key, const char *value)
{
    Config *cfg = ld->cfg;
    if (!once(ld, key))
        return;
    if (strcmp(key, "state_dir") == 0) {
        CHECK(set_path(ld, &cfg->daemon.state_dir, value, error));
    } else if (strcmp(key, "socket") == 0) {
        CHECK(set_path(ld, &cfg->daemon.socket, value, error));
        if (strlen(cfg->daemon.socket) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
            fail(ld, "socket: '%s' is longer than a Unix socket path may be (%zu bytes)",
                 cfg->daemon.socket, sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1);
    } else if (strcmp(key, "socket_group") == 0) {
        CHECK(set_group(value, &cfg->daemon.socket_group, error));
    } else if (strcmp(key, "user") == 0) {
        CHECK(set_user(value, &cfg->daemon.user, error));
    } else if (strcmp(key, "on_exit") == 0) {
        int v;
        CHECK(set_choice(value, "keep", "flush", &v, error));
        cfg->daemon.on_exit = v ? CONFIG_ON_EXIT_FLUSH : CONFIG_ON_EXIT_KEEP;
    } else if (strcmp(key, "dry_run") == 0) {
        CHECK(parse_bool(value, &cfg->daemon.dry_run, error));
    } else if (strcmp(key, "history_days") == 0) {
        CHECK(set_uint(value, 1, 3650, &cfg->daemon.history_days, error));
    } else if (strcmp(key, "max_bans") == 0) {
        CHECK(set_uint(value, 1, 10000000, &cfg->daemon.max_bans, error));
    } else {
        unknown_key(ld, key);
    }
}

static void
handle_input(Loader *ld, const char *key, const char *value)
{
    Config *cfg = ld->cfg;
    if (strcmp(key, "path") == 0) {
        /* Repeatable: the first one replaces the default, the others add to it. */
        char *path = NULL;
        CHECK(set_path(ld, &path, value, error));
        if (!ld->paths_set)
            g_ptr_array_set_size(cfg->input.paths, 0);
        ld->paths_set = TRUE;
        g_ptr_array_add(cfg->input.paths, path);
        return;
    }
    if (!once(ld, key))
        return;
    if (strcmp(key, "start_at") == 0) {
        int v;
        CHECK(set_choice(value, "end", "beginning", &v, error));
        cfg->input.start_at = v ? CONFIG_START_AT_BEGINNING : CONFIG_START_AT_END;
    } else if (strcmp(key, "idle_ms") == 0) {
        CHECK(set_uint(value, 1, 60000, &cfg->input.idle_ms, error));
    } else if (strcmp(key, "line_max") == 0) {
        CHECK(set_uint(value, 256, 1024 * 1024, &cfg->input.line_max, error));
    } else {
        unknown_key(ld, key);
    }
}

static void
handle_policy(Loader *ld, const char *key, const char *value)
{
    Config *cfg = ld->cfg;
    if (strcmp(key, "protect") == 0) {
        CHECK(parse_prefix_list(value, cfg->policy.protect, error));
        return;
    }
    if (strcmp(key, "home_net") == 0) {
        CHECK(parse_prefix_list(value, cfg->policy.home_net, error));
        return;
    }
    if (!once(ld, key))
        return;
    if (strcmp(key, "swap_marker") == 0) {
        CHECK(set_string(&cfg->policy.swap_marker, value, error));
    } else if (strcmp(key, "priorities") == 0) {
        CHECK(parse_priorities(value, cfg, error));
    } else if (strcmp(key, "threshold") == 0) {
        CHECK(parse_threshold(value, &cfg->policy.threshold, error));
    } else if (strcmp(key, "ban_time") == 0) {
        CHECK(
            parse_duration_range(value, 1, CONFIG_DURATION_MAX_S, &cfg->policy.ban_time_s, error));
        ld->ban_time_line = ld->lineno;
    } else if (strcmp(key, "extend") == 0) {
        CHECK(parse_extend(value, &cfg->policy.extend_min_s, &cfg->policy.extend_max_s, error));
    } else if (strcmp(key, "escalate") == 0) {
        char *end = NULL;
        double v = g_ascii_strtod(value, &end);
        if (*value == '\0' || !end || *end != '\0' || !isfinite(v) || v < 1.0 ||
            v > CONFIG_ESCALATE_MAX || !g_ascii_isdigit(*value)) {
            fail(ld, "escalate: expected a number from 1 to %g, got '%s'", CONFIG_ESCALATE_MAX,
                 value);
            return;
        }
        cfg->policy.escalate = v;
    } else if (strcmp(key, "max_ban_time") == 0) {
        CHECK(parse_duration_range(value, 1, CONFIG_DURATION_MAX_S, &cfg->policy.max_ban_time_s,
                                   error));
        ld->max_ban_time_line = ld->lineno;
    } else if (strcmp(key, "max_bans_per_minute") == 0) {
        CHECK(set_uint(value, 0, CONFIG_MAX_BANS_PER_MINUTE_MAX, &cfg->policy.max_bans_per_minute,
                       error));
    } else if (strcmp(key, "max_tracked") == 0) {
        CHECK(set_uint(value, 1, CONFIG_MAX_TRACKED_MAX, &cfg->policy.max_tracked, error));
    } else {
        unknown_key(ld, key);
    }
}

static void
handle_whitelist(Loader *ld, const char *key, const char *value)
{
    Config *cfg = ld->cfg;
    if (strcmp(key, "address") == 0) {
        CHECK(parse_prefix_list(value, cfg->whitelist.addresses, error));
    } else if (strcmp(key, "rule") == 0) {
        CHECK(parse_rule_list(value, cfg->whitelist.rules, error));
    } else if (strcmp(key, "file") == 0) {
        char *path = NULL;
        CHECK(set_path(ld, &path, value, error));
        g_ptr_array_add(cfg->whitelist.files, path);
    } else {
        unknown_key(ld, key);
    }
}

static gboolean
valid_chain_name(const char *name)
{
    gsize n = strlen(name);
    if (n == 0 || n > FW_CHAIN_NAME_MAX || name[0] == '-' || name[0] == '!')
        return FALSE;
    for (const char *p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-')
            return FALSE;
    }
    static const char *const builtin[] = {"INPUT", "OUTPUT", "FORWARD", "PREROUTING",
                                          "POSTROUTING"};
    for (gsize i = 0; i < G_N_ELEMENTS(builtin); i++) {
        if (strcmp(name, builtin[i]) == 0)
            return FALSE;
    }
    return TRUE;
}

static void
handle_firewall(Loader *ld, const char *key, const char *value)
{
    FwConfig *fw = &ld->cfg->firewall;
    if (strcmp(key, "hooks") == 0) {
        /* A list, and repeatable: the first key replaces the default INPUT. */
        if (!ld->hooks_set)
            fw->n_hooks = 0;
        ld->hooks_set = TRUE;
        g_auto(GStrv) items = g_strsplit_set(value, " \t,", -1);
        for (char **it = items; *it; it++) {
            if (**it == '\0')
                continue;
            if (strcmp(*it, "INPUT") != 0 && strcmp(*it, "FORWARD") != 0 &&
                strcmp(*it, "OUTPUT") != 0) {
                fail(ld, "hooks: expected INPUT, FORWARD or OUTPUT, got '%s'", *it);
                return;
            }
            for (guint i = 0; i < fw->n_hooks; i++) {
                if (strcmp(fw->hooks[i], *it) == 0) {
                    fail(ld, "hooks: '%s' is listed twice", *it);
                    return;
                }
            }
            if (fw->n_hooks >= FW_HOOKS_MAX) {
                fail(ld, "hooks: at most %d hooks", FW_HOOKS_MAX);
                return;
            }
            g_strlcpy(fw->hooks[fw->n_hooks++], *it, FW_CHAIN_MAX);
        }
        if (fw->n_hooks == 0)
            fail(ld, "hooks: expected at least one of INPUT, FORWARD, OUTPUT");
        return;
    }
    if (!once(ld, key))
        return;
    if (strcmp(key, "backend") == 0) {
        static const FwBackend backends[] = {FW_BACKEND_IPTABLES, FW_BACKEND_NFTABLES,
                                             FW_BACKEND_IPSET, FW_BACKEND_AUTO};
        for (gsize i = 0; i < G_N_ELEMENTS(backends); i++) {
            if (strcmp(value, fw_backend_name(backends[i])) == 0) {
                fw->backend = backends[i];
                return;
            }
        }
        fail(ld, "backend: expected iptables, nftables, ipset or auto, got '%s'", value);
    } else if (strcmp(key, "auto_max_rules") == 0) {
        CHECK(set_uint(value, 1, 100000, &fw->auto_max_rules, error));
    } else if (strcmp(key, "chain") == 0) {
        if (!valid_chain_name(value)) {
            fail(ld,
                 "chain: expected 1 to %d letters, digits, '_' or '-', not a built-in "
                 "chain, got '%s'",
                 FW_CHAIN_NAME_MAX, value);
            return;
        }
        g_strlcpy(fw->chain, value, sizeof fw->chain);
    } else if (strcmp(key, "action") == 0) {
        int v;
        CHECK(set_choice(value, "drop", "reject", &v, error));
        fw->action = v ? FW_ACTION_REJECT : FW_ACTION_DROP;
    } else if (strcmp(key, "direction") == 0) {
        int v;
        CHECK(set_choice(value, "in", "both", &v, error));
        fw->direction = v ? FW_DIRECTION_BOTH : FW_DIRECTION_IN;
    } else if (strcmp(key, "log") == 0) {
        CHECK(parse_bool(value, &fw->log, error));
    } else if (strcmp(key, "log_prefix") == 0) {
        g_autofree char *text = unquote(value);
        if (strlen(text) >= sizeof fw->log_prefix || has_control_chars(text)) {
            fail(ld, "log_prefix: expected at most %zu printable characters, got '%s'",
                 sizeof fw->log_prefix - 1, value);
            return;
        }
        g_strlcpy(fw->log_prefix, text, sizeof fw->log_prefix);
    } else if (strcmp(key, "lock_file") == 0) {
        g_autofree char *path = NULL;
        CHECK(set_path(ld, &path, value, error));
        if (strlen(path) >= sizeof fw->lock_file) {
            fail(ld, "lock_file: path longer than %zu bytes", sizeof fw->lock_file - 1);
            return;
        }
        g_strlcpy(fw->lock_file, path, sizeof fw->lock_file);
    } else if (strcmp(key, "lock_timeout") == 0) {
        guint64 ms;
        CHECK(parse_duration_ms(value, &ms, error));
        if (ms > 300000) {
            fail(ld, "lock_timeout: at most 300s, got '%s'", value);
            return;
        }
        fw->lock_timeout_ms = (guint)ms;
    } else if (strcmp(key, "verify_interval") == 0) {
        guint64 ms;
        CHECK(parse_duration_ms(value, &ms, error));
        if (ms % 1000 != 0 || ms > 86400 * 1000) {
            fail(ld, "verify_interval: whole seconds from 0 (never) to 1d, got '%s'", value);
            return;
        }
        fw->verify_interval_s = (guint)(ms / 1000);
    } else {
        unknown_key(ld, key);
    }
}

static void
handle_rule(Loader *ld, const char *key, const char *value)
{
    ConfigRule *rule = &g_array_index(ld->cfg->rules, ConfigRule, ld->rule_index);
    if (!once(ld, key))
        return;
    if (strcmp(key, "threshold") == 0) {
        CHECK(parse_threshold(value, &rule->threshold, error));
        rule->has_threshold = TRUE;
    } else if (strcmp(key, "ban_time") == 0) {
        CHECK(parse_duration_range(value, 1, CONFIG_DURATION_MAX_S, &rule->ban_time_s, error));
        rule->has_ban_time = TRUE;
    } else if (strcmp(key, "track") == 0) {
        int v;
        CHECK(set_choice(value, "src", "dst", &v, error));
        rule->track = v ? CONFIG_TRACK_DST : CONFIG_TRACK_SRC;
    } else if (strcmp(key, "ignore") == 0) {
        CHECK(parse_bool(value, &rule->ignore, error));
    } else {
        unknown_key(ld, key);
    }
}

static int
handler(void *user, const char *section, const char *key, const char *value)
{
    Loader *ld = user;
    (void)section; /* the reader tracked the section already, validated */
    if (ld->error)
        return 0;
    switch (ld->section) {
    case SECTION_NONE:
        fail(ld,
             "'%s' is outside any section; put it under [daemon], [input], [policy], "
             "[whitelist], [firewall] or [rule GID:SID]",
             key);
        break;
    case SECTION_DAEMON:
        handle_daemon(ld, key, value);
        break;
    case SECTION_INPUT:
        handle_input(ld, key, value);
        break;
    case SECTION_POLICY:
        handle_policy(ld, key, value);
        break;
    case SECTION_WHITELIST:
        handle_whitelist(ld, key, value);
        break;
    case SECTION_FIREWALL:
        handle_firewall(ld, key, value);
        break;
    case SECTION_RULE:
        handle_rule(ld, key, value);
        break;
    }
    return ld->error ? 0 : 1;
}

/* ---- files ---- */

/* Reads a regular file of at most CONFIG_FILE_MAX bytes (no device, FIFO or /proc surprise). */
static gboolean
read_small_file(const char *path, char **out, gsize *out_len, GError **error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, "%s: %s", path, g_strerror(e));
        return FALSE;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, "%s: not a regular file", path);
        return FALSE;
    }
    GString *buf =
        g_string_sized_new(st.st_size > 0 && st.st_size < 65536 ? (gsize)st.st_size + 1 : 4096);
    char chunk[8192];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            g_string_free(buf, TRUE);
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, "%s: %s", path,
                        g_strerror(e));
            return FALSE;
        }
        if (n == 0)
            break;
        if (buf->len + (gsize)n > CONFIG_FILE_MAX) {
            close(fd);
            g_string_free(buf, TRUE);
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, "%s: larger than %u bytes",
                        path, CONFIG_FILE_MAX);
            return FALSE;
        }
        g_string_append_len(buf, chunk, n);
    }
    close(fd);
    *out_len = buf->len;
    *out = g_string_free(buf, FALSE);
    return TRUE;
}

/* A whitelist file: one address, network or GID:SID rule per line; '#' starts a comment. */
static gboolean
load_whitelist_file(Config *cfg, const char *path, GError **error)
{
    g_autofree char *text = NULL;
    gsize len = 0;
    if (!read_small_file(path, &text, &len, error))
        return FALSE;
    guint lineno = 0;
    gsize pos = 0;
    while (pos < len) {
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        gsize n = nl ? (gsize)(nl - start) : len - pos;
        pos += n + (nl ? 1 : 0);
        lineno++;
        if (memchr(start, '\0', n)) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, "%s:%u: NUL byte in the line",
                        path, lineno);
            return FALSE;
        }
        g_autofree char *line = g_strndup(start, n);
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        g_strstrip(line);
        if (*line == '\0')
            continue;
        g_autoptr(GError) err = NULL;
        const char *colon = strchr(line, ':');
        if (colon && colon == strrchr(line, ':')) {
            /* Exactly one colon: a rule (IPv6 addresses have at least two). */
            RulePattern p;
            if (!rule_pattern_parse(line, &p, &err)) {
                g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, "%s:%u: %s", path, lineno,
                            err->message);
                return FALSE;
            }
            g_array_append_val(cfg->whitelist.file_rules, p);
        } else {
            IpPrefix p;
            if (!ipprefix_parse(line, &p, &err)) {
                g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                            "%s:%u: expected an address, a network or a GID:SID rule: %s", path,
                            lineno, err->message);
                return FALSE;
            }
            g_array_append_val(cfg->whitelist.file_addresses, p);
        }
    }
    return TRUE;
}

/* ---- construction ---- */

static void
config_init_defaults(Config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->file = g_strdup("(defaults)");
    cfg->daemon.state_dir = g_strdup("/var/lib/alertban");
    cfg->daemon.socket = g_strdup("/run/alertban/alertban.sock");
    cfg->daemon.socket_group = g_strdup("");
    cfg->daemon.user = g_strdup("");
    cfg->daemon.on_exit = CONFIG_ON_EXIT_KEEP;
    cfg->daemon.dry_run = FALSE;
    cfg->daemon.history_days = 90;
    cfg->daemon.max_bans = 100000;

    cfg->input.paths = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(cfg->input.paths, g_strdup("/var/log/snort/alert_fast.txt"));
    cfg->input.start_at = CONFIG_START_AT_END;
    cfg->input.idle_ms = 250;
    cfg->input.line_max = ALERT_LINE_MAX;

    cfg->policy.swap_marker = g_strdup("BLOCKED DESTINATION");
    cfg->policy.priorities_all = TRUE;
    cfg->policy.threshold = (Threshold){.count = 1, .window_s = 60};
    cfg->policy.ban_time_s = 3600;
    cfg->policy.extend_min_s = 600;
    cfg->policy.extend_max_s = 1800;
    cfg->policy.escalate = 2.0;
    cfg->policy.max_ban_time_s = 7 * 86400;
    cfg->policy.max_bans_per_minute = 600;
    cfg->policy.max_tracked = 100000;
    cfg->policy.home_net = g_array_new(FALSE, TRUE, sizeof(IpPrefix));
    cfg->policy.protect = g_array_new(FALSE, TRUE, sizeof(IpPrefix));

    cfg->whitelist.addresses = g_array_new(FALSE, TRUE, sizeof(IpPrefix));
    cfg->whitelist.rules = g_array_new(FALSE, TRUE, sizeof(RulePattern));
    cfg->whitelist.files = g_ptr_array_new_with_free_func(g_free);
    cfg->whitelist.file_addresses = g_array_new(FALSE, TRUE, sizeof(IpPrefix));
    cfg->whitelist.file_rules = g_array_new(FALSE, TRUE, sizeof(RulePattern));

    fw_config_init_defaults(&cfg->firewall);

    cfg->rules = g_array_new(FALSE, TRUE, sizeof(ConfigRule));
}

Config *
config_new_defaults(void)
{
    Config *cfg = g_new(Config, 1);
    config_init_defaults(cfg);
    return cfg;
}

static Config *
load_text(const char *text, gsize len, const char *name, GError **error)
{
    g_autoptr(Config) cfg = config_new_defaults();
    g_autofree char *dir_rel = g_path_get_dirname(name);
    Loader ld = {
        .cfg = cfg,
        .name = name,
        .dir = g_canonicalize_filename(dir_rel, NULL),
        .text = text,
        .len = len,
        .seen_keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
    };
    g_free(cfg->file);
    cfg->file = g_canonicalize_filename(name, NULL);

    int rc = ini_parse_stream(reader, &ld, handler, &ld);
    if (rc > 0 && (!ld.error || (guint)rc < ld.error_line)) {
        g_clear_error(&ld.error);
        ld.error = g_error_new(ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                               "%s:%d: expected '[section]', 'key = value' or a comment", name, rc);
    } else if (rc < 0 && !ld.error) {
        ld.error =
            g_error_new(ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, "%s: cannot parse (%d)", name, rc);
    }
    if (!ld.error && cfg->policy.max_ban_time_s < cfg->policy.ban_time_s) {
        ld.lineno = MAX(ld.max_ban_time_line, ld.ban_time_line);
        fail(&ld,
             "max_ban_time (%" G_GUINT64_FORMAT "s) is shorter than ban_time (%" G_GUINT64_FORMAT
             "s)",
             cfg->policy.max_ban_time_s, cfg->policy.ban_time_s);
    }
    for (guint i = 0; !ld.error && i < cfg->whitelist.files->len; i++)
        load_whitelist_file(cfg, cfg->whitelist.files->pdata[i], &ld.error);

    g_hash_table_unref(ld.seen_keys);
    g_free(ld.dir);
    if (ld.error) {
        g_propagate_error(error, ld.error);
        return NULL;
    }
    return g_steal_pointer(&cfg);
}

Config *
config_load_string(const char *text, const char *name, GError **error)
{
    g_return_val_if_fail(text != NULL && name != NULL, NULL);
    return load_text(text, strlen(text), name, error);
}

Config *
config_load_file(const char *path, GError **error)
{
    g_return_val_if_fail(path != NULL, NULL);
    g_autofree char *text = NULL;
    gsize len = 0;
    if (!read_small_file(path, &text, &len, error))
        return NULL;
    return load_text(text, len, path, error);
}

gboolean
config_reload(Config **current, const char *path, GError **error)
{
    g_return_val_if_fail(current != NULL && path != NULL, FALSE);
    Config *fresh = config_load_file(path, error);
    if (!fresh)
        return FALSE;
    config_free(*current);
    *current = fresh;
    return TRUE;
}

void
config_apply_env(Config *cfg)
{
    const char *v;
    if ((v = g_getenv("ALERTBAN_STATE_DIR")) && *v) {
        g_free(cfg->daemon.state_dir);
        cfg->daemon.state_dir = g_canonicalize_filename(v, NULL);
    }
    if ((v = g_getenv("ALERTBAN_SOCKET")) && *v) {
        g_free(cfg->daemon.socket);
        cfg->daemon.socket = g_canonicalize_filename(v, NULL);
    }
    if ((v = g_getenv("ALERTBAN_INPUT_PATH")) && *v) {
        g_ptr_array_set_size(cfg->input.paths, 0);
        g_ptr_array_add(cfg->input.paths, g_canonicalize_filename(v, NULL));
    }
    if ((v = g_getenv("ALERTBAN_LOCK_FILE")) && *v) {
        g_autofree char *p = g_canonicalize_filename(v, NULL);
        g_strlcpy(cfg->firewall.lock_file, p, sizeof cfg->firewall.lock_file);
    }
}

const ConfigRule *
config_find_rule(const Config *cfg, guint32 gid, guint32 sid)
{
    const ConfigRule *best = NULL;
    for (guint i = 0; i < cfg->rules->len; i++) {
        const ConfigRule *r = &g_array_index(cfg->rules, ConfigRule, i);
        if (!rule_pattern_matches(&r->pattern, gid, sid))
            continue;
        if (!best ||
            rule_pattern_specificity(&r->pattern) > rule_pattern_specificity(&best->pattern))
            best = r;
    }
    return best;
}

gboolean
config_priority_counts(const Config *cfg, gint32 priority)
{
    if (cfg->policy.priorities_all)
        return TRUE;
    if (priority < 0)
        priority = 0;
    if (priority > CONFIG_PRIORITY_MAX)
        return FALSE;
    return (cfg->policy.priorities[priority / 8] >> (priority % 8)) & 1;
}

/* ---- formatting ---- */

/* "key = value", or "key =" for an empty value. */
static void
append_kv(GString *s, const char *key, const char *value)
{
    if (*value)
        g_string_append_printf(s, "%s = %s\n", key, value);
    else
        g_string_append_printf(s, "%s =\n", key);
}

/* A text value, quoted when inih would otherwise lose its outer spaces or quotes, or read a
 * leading ';' as a comment. */
static void
append_text(GString *s, const char *key, const char *value)
{
    gsize n = strlen(value);
    if (n > 0 && (g_ascii_isspace(value[0]) || g_ascii_isspace(value[n - 1]) || value[0] == '"' ||
                  value[0] == ';'))
        g_string_append_printf(s, "%s = \"%s\"\n", key, value);
    else
        append_kv(s, key, value);
}

static void
append_duration(GString *s, guint64 v)
{
    if (v == 0)
        g_string_append(s, "0");
    else if (v % 86400 == 0)
        g_string_append_printf(s, "%" G_GUINT64_FORMAT "d", v / 86400);
    else if (v % 3600 == 0)
        g_string_append_printf(s, "%" G_GUINT64_FORMAT "h", v / 3600);
    else if (v % 60 == 0)
        g_string_append_printf(s, "%" G_GUINT64_FORMAT "m", v / 60);
    else
        g_string_append_printf(s, "%" G_GUINT64_FORMAT "s", v);
}

static void
append_prefixes(GString *s, const char *key, const GArray *list)
{
    char buf[IPADDR_STRLEN];
    if (list->len == 0)
        g_string_append_printf(s, "%s =\n", key);
    for (guint i = 0; i < list->len; i++)
        g_string_append_printf(s, "%s = %s\n", key,
                               ipprefix_format(&g_array_index(list, IpPrefix, i), buf));
}

static void
append_priorities(GString *s, const Config *cfg)
{
    g_string_append(s, "priorities =");
    if (cfg->policy.priorities_all) {
        g_string_append(s, "\n");
        return;
    }
    int p = 0;
    while (p <= CONFIG_PRIORITY_MAX) {
        if (!config_priority_counts(cfg, p)) {
            p++;
            continue;
        }
        int q = p;
        while (q + 1 <= CONFIG_PRIORITY_MAX && config_priority_counts(cfg, q + 1))
            q++;
        if (q == p)
            g_string_append_printf(s, " %d", p);
        else
            g_string_append_printf(s, " %d-%d", p, q);
        p = q + 1;
    }
    g_string_append(s, "\n");
}

char *
config_format(const Config *cfg)
{
    g_return_val_if_fail(cfg != NULL, NULL);
    GString *s = g_string_new(NULL);
    char buf[64];
    g_string_append_printf(s, "; effective configuration of %s\n", cfg->file);

    g_string_append(s, "\n[daemon]\n");
    append_text(s, "state_dir", cfg->daemon.state_dir);
    append_text(s, "socket", cfg->daemon.socket);
    append_kv(s, "socket_group", cfg->daemon.socket_group);
    append_kv(s, "user", cfg->daemon.user);
    g_string_append_printf(s, "on_exit = %s\n",
                           cfg->daemon.on_exit == CONFIG_ON_EXIT_FLUSH ? "flush" : "keep");
    g_string_append_printf(s, "dry_run = %s\n", cfg->daemon.dry_run ? "yes" : "no");
    g_string_append_printf(s, "history_days = %u\n", cfg->daemon.history_days);
    g_string_append_printf(s, "max_bans = %u\n", cfg->daemon.max_bans);

    g_string_append(s, "\n[input]\n");
    for (guint i = 0; i < cfg->input.paths->len; i++)
        append_text(s, "path", cfg->input.paths->pdata[i]);
    g_string_append_printf(s, "start_at = %s\n",
                           cfg->input.start_at == CONFIG_START_AT_BEGINNING ? "beginning" : "end");
    g_string_append_printf(s, "idle_ms = %u\n", cfg->input.idle_ms);
    g_string_append_printf(s, "line_max = %u\n", cfg->input.line_max);

    g_string_append(s, "\n[policy]\n");
    append_text(s, "swap_marker", cfg->policy.swap_marker);
    append_priorities(s, cfg);
    g_string_append(s, "threshold = ");
    g_string_append_printf(s, "%u/", cfg->policy.threshold.count);
    append_duration(s, cfg->policy.threshold.window_s);
    g_string_append(s, "\nban_time = ");
    append_duration(s, cfg->policy.ban_time_s);
    g_string_append(s, "\nextend = ");
    append_duration(s, cfg->policy.extend_min_s);
    if (cfg->policy.extend_max_s != cfg->policy.extend_min_s) {
        g_string_append_c(s, '-');
        append_duration(s, cfg->policy.extend_max_s);
    }
    g_string_append_printf(s, "\nescalate = %s\n",
                           g_ascii_formatd(buf, sizeof buf, "%g", cfg->policy.escalate));
    g_string_append(s, "max_ban_time = ");
    append_duration(s, cfg->policy.max_ban_time_s);
    g_string_append_printf(s, "\nmax_bans_per_minute = %u\n", cfg->policy.max_bans_per_minute);
    g_string_append_printf(s, "max_tracked = %u\n", cfg->policy.max_tracked);
    append_prefixes(s, "home_net", cfg->policy.home_net);
    append_prefixes(s, "protect", cfg->policy.protect);

    g_string_append(s, "\n[whitelist]\n");
    append_prefixes(s, "address", cfg->whitelist.addresses);
    if (cfg->whitelist.rules->len == 0)
        g_string_append(s, "rule =\n");
    for (guint i = 0; i < cfg->whitelist.rules->len; i++)
        g_string_append_printf(
            s, "rule = %s\n",
            rule_pattern_format(&g_array_index(cfg->whitelist.rules, RulePattern, i), buf,
                                sizeof buf));
    for (guint i = 0; i < cfg->whitelist.files->len; i++)
        append_text(s, "file", cfg->whitelist.files->pdata[i]);
    if (cfg->whitelist.files->len > 0)
        g_string_append_printf(s, "; the files hold %u addresses or networks and %u rules\n",
                               cfg->whitelist.file_addresses->len, cfg->whitelist.file_rules->len);

    const FwConfig *fw = &cfg->firewall;
    g_string_append(s, "\n[firewall]\n");
    g_string_append_printf(s, "backend = %s\n", fw_backend_name(fw->backend));
    g_string_append_printf(s, "auto_max_rules = %u\n", fw->auto_max_rules);
    g_string_append_printf(s, "chain = %s\n", fw->chain);
    g_string_append(s, "hooks =");
    for (guint i = 0; i < fw->n_hooks; i++)
        g_string_append_printf(s, " %s", fw->hooks[i]);
    g_string_append_printf(s, "\naction = %s\n",
                           fw->action == FW_ACTION_REJECT ? "reject" : "drop");
    g_string_append_printf(s, "direction = %s\n",
                           fw->direction == FW_DIRECTION_BOTH ? "both" : "in");
    g_string_append_printf(s, "log = %s\n", fw->log ? "yes" : "no");
    append_text(s, "log_prefix", fw->log_prefix);
    append_text(s, "lock_file", fw->lock_file);
    if (fw->lock_timeout_ms % 1000 == 0)
        g_string_append_printf(s, "lock_timeout = %us\n", fw->lock_timeout_ms / 1000);
    else
        g_string_append_printf(s, "lock_timeout = %ums\n", fw->lock_timeout_ms);
    g_string_append_printf(s, "verify_interval = %us\n", fw->verify_interval_s);

    for (guint i = 0; i < cfg->rules->len; i++) {
        const ConfigRule *r = &g_array_index(cfg->rules, ConfigRule, i);
        g_string_append_printf(s, "\n[rule %s]\n",
                               rule_pattern_format(&r->pattern, buf, sizeof buf));
        if (r->has_threshold) {
            g_string_append_printf(s, "threshold = %u/", r->threshold.count);
            append_duration(s, r->threshold.window_s);
            g_string_append_c(s, '\n');
        }
        if (r->has_ban_time) {
            g_string_append(s, "ban_time = ");
            append_duration(s, r->ban_time_s);
            g_string_append_c(s, '\n');
        }
        if (r->track != CONFIG_TRACK_DEFAULT)
            g_string_append_printf(s, "track = %s\n", r->track == CONFIG_TRACK_DST ? "dst" : "src");
        g_string_append_printf(s, "ignore = %s\n", r->ignore ? "yes" : "no");
    }
    return g_string_free(s, FALSE);
}

static void
config_free_members(Config *cfg)
{
    g_free(cfg->file);
    g_free(cfg->daemon.state_dir);
    g_free(cfg->daemon.socket);
    g_free(cfg->daemon.socket_group);
    g_free(cfg->daemon.user);
    g_clear_pointer(&cfg->input.paths, g_ptr_array_unref);
    g_free(cfg->policy.swap_marker);
    g_clear_pointer(&cfg->policy.home_net, g_array_unref);
    g_clear_pointer(&cfg->policy.protect, g_array_unref);
    g_clear_pointer(&cfg->whitelist.addresses, g_array_unref);
    g_clear_pointer(&cfg->whitelist.rules, g_array_unref);
    g_clear_pointer(&cfg->whitelist.files, g_ptr_array_unref);
    g_clear_pointer(&cfg->whitelist.file_addresses, g_array_unref);
    g_clear_pointer(&cfg->whitelist.file_rules, g_array_unref);
    g_clear_pointer(&cfg->rules, g_array_unref);
}

void
config_free(Config *cfg)
{
    if (!cfg)
        return;
    config_free_members(cfg);
    g_free(cfg);
}
