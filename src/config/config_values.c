// SPDX-License-Identifier: GPL-2.0-or-later
// How each kind of configuration value is read from its text, printed back and freed.
#include "config_keys.h"

#include <math.h>
#include <string.h>

#include "duration.h"
#include "error.h"

/*
 * Each ConfigValueType reads a value's text into the field a key row points at (key->offset
 * into the Config or ConfigRule), using the row's range, size or names, and prints it back as
 * "key = value" lines that read back to the same value. Messages never name the key: the
 * loader puts "FILE:LINE: key: " in front.
 */

#define FIELD(T, key, base) ((T *)(void *)((char *)(base) + (key)->offset))
#define CFIELD(T, key, base) ((const T *)(const void *)((const char *)(base) + (key)->offset))

G_GNUC_PRINTF(2, 3)
static gboolean
bad_value(GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, msg);
    return FALSE;
}

/* ---- value parsers ---- */

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
    return bad_value(error, "expected yes or no, got '%s'", text);
}

/* Duration in milliseconds: a number with an optional ms, s, m, h or d suffix (seconds when
 * bare). */
static gboolean
parse_duration_ms(const char *text, guint64 *out_ms, GError **error)
{
    /* The grammar is duration.h's, the one `alertban ban --for` reads too. */
    if (duration_parse_ms(text, TRUE, CONFIG_DURATION_MAX_S * 1000, out_ms) != DURATION_OK)
        return bad_value(error,
                         "expected a duration such as 90s, 10m, 1h or 7d (at most 3650d), got '%s'",
                         text);
    return TRUE;
}

gboolean
config_parse_duration(const char *text, guint64 *out_s, GError **error)
{
    g_return_val_if_fail(text != NULL && out_s != NULL, FALSE);
    if (duration_parse_s(text, CONFIG_DURATION_MAX_S, out_s) != DURATION_OK)
        return bad_value(error,
                         "expected a duration such as 90s, 10m, 1h or 7d (at most 3650d), got '%s'",
                         text);
    return TRUE;
}

/* Splits a list on spaces, tabs and commas, dropping empty items. */
static GStrv
split_list(const char *text)
{
    GStrv items = g_strsplit_set(text, " \t,", -1);
    gsize kept = 0;
    for (gsize i = 0; items[i]; i++) {
        if (items[i][0] == '\0')
            g_free(items[i]);
        else
            items[kept++] = items[i];
    }
    items[kept] = NULL;
    return items;
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

/* An unquoted, non-empty path without control characters, made absolute against dir. */
static char *
parse_path(const char *raw, const char *dir, GError **error)
{
    g_autofree char *value = unquote(raw);
    if (*value == '\0') {
        bad_value(error, "expected a path");
        return NULL;
    }
    if (has_control_chars(value)) {
        bad_value(error, "control characters in path");
        return NULL;
    }
    return g_canonicalize_filename(value, dir);
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
        return bad_value(error,
                         "expected a rule GID:SID with * for either side, such as 1:2000 or 129:*, "
                         "got '%s'",
                         text);
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

/* ---- printing helpers ---- */

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

/* Seconds in the largest unit that divides them: 90s, 10m, 2h, 7d. */
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

/* ---- value types ---- */

/* yes/no (also true/false, on/off, 1/0) into a gboolean. */
static gboolean
bool_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    (void)dir;
    return parse_bool(text, FIELD(gboolean, key, base), error);
}

static void
bool_format(const ConfigKey *key, const void *base, GString *out)
{
    g_string_append_printf(out, "%s = %s\n", key->name,
                           *CFIELD(gboolean, key, base) ? "yes" : "no");
}

const ConfigValueType config_value_bool = {.parse = bool_parse, .format = bool_format};

/* A whole number from min to max into a guint. */
static gboolean
uint_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    (void)dir;
    guint64 v;
    if (!g_ascii_string_to_unsigned(text, 10, key->min, key->max, &v, NULL))
        return bad_value(error,
                         "expected a whole number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                         ", got '%s'",
                         key->min, key->max, text);
    *FIELD(guint, key, base) = (guint)v;
    return TRUE;
}

static void
uint_format(const ConfigKey *key, const void *base, GString *out)
{
    g_string_append_printf(out, "%s = %u\n", key->name, *CFIELD(guint, key, base));
}

const ConfigValueType config_value_uint = {.parse = uint_parse, .format = uint_format};

/* A duration in seconds (no ms), from min to max, into a guint64. */
static gboolean
seconds_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    (void)dir;
    guint64 v;
    if (!config_parse_duration(text, &v, error))
        return FALSE;
    if (v < key->min || v > key->max)
        return bad_value(error,
                         "'%s' is out of range: expected from %" G_GUINT64_FORMAT
                         "s to %" G_GUINT64_FORMAT "s",
                         text, key->min, key->max);
    *FIELD(guint64, key, base) = v;
    return TRUE;
}

static void
seconds_format(const ConfigKey *key, const void *base, GString *out)
{
    g_string_append_printf(out, "%s = ", key->name);
    append_duration(out, *CFIELD(guint64, key, base));
    g_string_append_c(out, '\n');
}

const ConfigValueType config_value_seconds = {.parse = seconds_parse, .format = seconds_format};

/* A duration in milliseconds (ms allowed), at most max ms, into a guint. */
static gboolean
millis_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    (void)dir;
    guint64 ms;
    if (!parse_duration_ms(text, &ms, error))
        return FALSE;
    if (ms > key->max)
        return bad_value(error, "at most %" G_GUINT64_FORMAT "s, got '%s'", key->max / 1000, text);
    *FIELD(guint, key, base) = (guint)ms;
    return TRUE;
}

static void
millis_format(const ConfigKey *key, const void *base, GString *out)
{
    guint ms = *CFIELD(guint, key, base);
    if (ms % 1000 == 0)
        g_string_append_printf(out, "%s = %us\n", key->name, ms / 1000);
    else
        g_string_append_printf(out, "%s = %ums\n", key->name, ms);
}

const ConfigValueType config_value_millis = {.parse = millis_parse, .format = millis_format};

/* A period in whole seconds from 0 (never) to max, into a guint, printed in seconds. */
static gboolean
period_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    (void)dir;
    guint64 ms;
    if (!parse_duration_ms(text, &ms, error))
        return FALSE;
    if (ms % 1000 != 0 || ms / 1000 > key->max) {
        g_autoptr(GString) max = g_string_new(NULL);
        append_duration(max, key->max);
        return bad_value(error, "whole seconds from 0 (never) to %s, got '%s'", max->str, text);
    }
    *FIELD(guint, key, base) = (guint)(ms / 1000);
    return TRUE;
}

static void
period_format(const ConfigKey *key, const void *base, GString *out)
{
    g_string_append_printf(out, "%s = %us\n", key->name, *CFIELD(guint, key, base));
}

const ConfigValueType config_value_period = {.parse = period_parse, .format = period_format};

/* A decimal number from min to max into a double. */
static gboolean
factor_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    (void)dir;
    char *end = NULL;
    double v = g_ascii_strtod(text, &end);
    if (!g_ascii_isdigit(*text) || !end || *end != '\0' || !isfinite(v) || v < (double)key->min ||
        v > (double)key->max)
        return bad_value(error, "expected a number from %g to %g, got '%s'", (double)key->min,
                         (double)key->max, text);
    *FIELD(double, key, base) = v;
    return TRUE;
}

static void
factor_format(const ConfigKey *key, const void *base, GString *out)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append_printf(out, "%s = %s\n", key->name,
                           g_ascii_formatd(buf, sizeof buf, "%g", *CFIELD(double, key, base)));
}

const ConfigValueType config_value_factor = {.parse = factor_parse, .format = factor_format};

/* One of key->choices into an int-sized enum. */
static gboolean
choice_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    (void)dir;
    gsize n = 0;
    for (; key->choices[n].name; n++) {
        if (strcmp(text, key->choices[n].name) == 0) {
            *FIELD(int, key, base) = key->choices[n].value;
            return TRUE;
        }
    }
    /* "expected a or b", "expected a, b, c or d" */
    g_autoptr(GString) names = g_string_new(NULL);
    for (gsize i = 0; i < n; i++) {
        if (i > 0)
            g_string_append(names, i + 1 == n ? " or " : ", ");
        g_string_append(names, key->choices[i].name);
    }
    return bad_value(error, "expected %s, got '%s'", names->str, text);
}

/* A value without a name (a [rule]'s track left to the swap marker) prints nothing. */
static void
choice_format(const ConfigKey *key, const void *base, GString *out)
{
    int v = *CFIELD(int, key, base);
    for (const ConfigChoice *c = key->choices; c->name; c++) {
        if (c->value == v) {
            g_string_append_printf(out, "%s = %s\n", key->name, c->name);
            return;
        }
    }
}

const ConfigValueType config_value_choice = {.parse = choice_parse, .format = choice_format};

static void
string_free(const ConfigKey *key, void *base)
{
    g_clear_pointer(FIELD(char *, key, base), g_free);
}

static void
string_format(const ConfigKey *key, const void *base, GString *out)
{
    append_text(out, key->name, *CFIELD(char *, key, base));
}

/* Text without control characters, into an owned char *; quotes keep outer spaces. Passes
 * key->check when set. */
static gboolean
text_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    (void)dir;
    if (has_control_chars(text))
        return bad_value(error, "control characters in value");
    g_autofree char *value = unquote(text);
    if (key->check && !key->check(value, error))
        return FALSE;
    char **dst = FIELD(char *, key, base);
    g_free(*dst);
    *dst = g_steal_pointer(&value);
    return TRUE;
}

const ConfigValueType config_value_text = {
    .parse = text_parse, .format = string_format, .free = string_free};

/* The same into a char[key->max] buffer. */
static gboolean
text_buf_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    (void)dir;
    g_autofree char *value = unquote(text);
    if (strlen(value) >= key->max || has_control_chars(value))
        return bad_value(error,
                         "expected at most %" G_GUINT64_FORMAT " printable characters, got '%s'",
                         key->max - 1, text);
    g_strlcpy(FIELD(char, key, base), value, key->max);
    return TRUE;
}

static void
text_buf_format(const ConfigKey *key, const void *base, GString *out)
{
    append_text(out, key->name, CFIELD(char, key, base));
}

const ConfigValueType config_value_text_buf = {.parse = text_buf_parse, .format = text_buf_format};

/* A group name (letters, digits, '_', '-', '.'; empty: none) into an owned char *. */
static gboolean
group_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    (void)dir;
    for (const char *p = text; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-' && *p != '.')
            return bad_value(error, "expected a group name, got '%s'", text);
    }
    char **dst = FIELD(char *, key, base);
    g_free(*dst);
    *dst = g_strdup(text);
    return TRUE;
}

const ConfigValueType config_value_group = {
    .parse = group_parse, .format = string_format, .free = string_free};

/* The same for a user name (user =). */
static gboolean
user_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    (void)dir;
    for (const char *p = text; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-' && *p != '.')
            return bad_value(error, "expected a user name, got '%s'", text);
    }
    char **dst = FIELD(char *, key, base);
    g_free(*dst);
    *dst = g_strdup(text);
    return TRUE;
}

const ConfigValueType config_value_user = {
    .parse = user_parse, .format = string_format, .free = string_free};

/* A path made absolute, passing key->check when set, into an owned char *. */
static gboolean
path_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    g_autofree char *path = parse_path(text, dir, error);
    if (!path || (key->check && !key->check(path, error)))
        return FALSE;
    char **dst = FIELD(char *, key, base);
    g_free(*dst);
    *dst = g_steal_pointer(&path);
    return TRUE;
}

const ConfigValueType config_value_path = {
    .parse = path_parse, .format = string_format, .free = string_free};

/* The same into a char[key->max] buffer. */
static gboolean
path_buf_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    g_autofree char *path = parse_path(text, dir, error);
    if (!path)
        return FALSE;
    if (strlen(path) >= key->max)
        return bad_value(error, "path longer than %" G_GUINT64_FORMAT " bytes", key->max - 1);
    g_strlcpy(FIELD(char, key, base), path, key->max);
    return TRUE;
}

const ConfigValueType config_value_path_buf = {.parse = path_buf_parse, .format = text_buf_format};

/* A repeatable list of paths into a GPtrArray of owned char *. */
static gboolean
paths_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    char *path = parse_path(text, dir, error);
    if (!path)
        return FALSE;
    g_ptr_array_add(*FIELD(GPtrArray *, key, base), path);
    return TRUE;
}

static void
paths_format(const ConfigKey *key, const void *base, GString *out)
{
    const GPtrArray *paths = *CFIELD(GPtrArray *, key, base);
    for (guint i = 0; i < paths->len; i++)
        append_text(out, key->name, paths->pdata[i]);
}

static void
paths_clear(const ConfigKey *key, void *base)
{
    GPtrArray **paths = FIELD(GPtrArray *, key, base);
    if (*paths)
        g_ptr_array_set_size(*paths, 0);
    else
        *paths = g_ptr_array_new_with_free_func(g_free);
}

static void
array_free(const ConfigKey *key, void *base)
{
    g_clear_pointer(FIELD(GArray *, key, base), g_array_unref);
}

static void
ptr_array_free(const ConfigKey *key, void *base)
{
    g_clear_pointer(FIELD(GPtrArray *, key, base), g_ptr_array_unref);
}

const ConfigValueType config_value_paths = {
    .parse = paths_parse, .format = paths_format, .clear = paths_clear, .free = ptr_array_free};

/* Whitelist files: paths, and what was read from them, as a comment. */
static void
whitelist_files_format(const ConfigKey *key, const void *base, GString *out)
{
    const Config *cfg = base;
    paths_format(key, base, out);
    if (cfg->whitelist.files->len > 0)
        g_string_append_printf(out, "; the files hold %u addresses or networks and %u rules\n",
                               cfg->whitelist.file_addresses->len, cfg->whitelist.file_rules->len);
}

const ConfigValueType config_value_whitelist_files = {.parse = paths_parse,
                                                      .format = whitelist_files_format,
                                                      .clear = paths_clear,
                                                      .free = ptr_array_free};

/* A repeatable list of addresses or networks into a GArray of IpPrefix, one per line. */
static gboolean
prefixes_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    (void)dir;
    g_auto(GStrv) items = split_list(text);
    GArray *out = *FIELD(GArray *, key, base);
    for (char **it = items; *it; it++) {
        IpPrefix p;
        if (!ipprefix_parse(*it, &p, error))
            return FALSE;
        g_array_append_val(out, p);
    }
    return TRUE;
}

static void
prefixes_format(const ConfigKey *key, const void *base, GString *out)
{
    const GArray *list = *CFIELD(GArray *, key, base);
    char buf[IPADDR_STRLEN];
    if (list->len == 0)
        g_string_append_printf(out, "%s =\n", key->name);
    for (guint i = 0; i < list->len; i++)
        g_string_append_printf(out, "%s = %s\n", key->name,
                               ipprefix_format(&g_array_index(list, IpPrefix, i), buf));
}

static void
prefixes_clear(const ConfigKey *key, void *base)
{
    GArray **list = FIELD(GArray *, key, base);
    if (*list)
        g_array_set_size(*list, 0);
    else
        *list = g_array_new(FALSE, TRUE, sizeof(IpPrefix));
}

const ConfigValueType config_value_prefixes = {.parse = prefixes_parse,
                                               .format = prefixes_format,
                                               .clear = prefixes_clear,
                                               .free = array_free};

/* A repeatable list of GID:SID patterns into a GArray of RulePattern, one per line. */
static gboolean
rules_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    (void)dir;
    g_auto(GStrv) items = split_list(text);
    GArray *out = *FIELD(GArray *, key, base);
    for (char **it = items; *it; it++) {
        RulePattern p;
        if (!rule_pattern_parse(*it, &p, error))
            return FALSE;
        g_array_append_val(out, p);
    }
    return TRUE;
}

static void
rules_format(const ConfigKey *key, const void *base, GString *out)
{
    const GArray *list = *CFIELD(GArray *, key, base);
    char buf[32];
    if (list->len == 0)
        g_string_append_printf(out, "%s =\n", key->name);
    for (guint i = 0; i < list->len; i++)
        g_string_append_printf(
            out, "%s = %s\n", key->name,
            rule_pattern_format(&g_array_index(list, RulePattern, i), buf, sizeof buf));
}

static void
rules_clear(const ConfigKey *key, void *base)
{
    GArray **list = FIELD(GArray *, key, base);
    if (*list)
        g_array_set_size(*list, 0);
    else
        *list = g_array_new(FALSE, TRUE, sizeof(RulePattern));
}

const ConfigValueType config_value_rules = {
    .parse = rules_parse, .format = rules_format, .clear = rules_clear, .free = array_free};

/* N/T: N alerts within T. */
static gboolean
threshold_from_text(const char *text, Threshold *t, GError **error)
{
    const char *slash = strchr(text, '/');
    guint64 count, window;
    g_autofree char *n = slash ? g_strndup(text, (gsize)(slash - text)) : NULL;
    if (!slash || !g_ascii_string_to_unsigned(n, 10, 1, CONFIG_THRESHOLD_COUNT_MAX, &count, NULL) ||
        !config_parse_duration(slash + 1, &window, NULL) || window < 1 || window > 86400)
        return bad_value(error,
                         "expected N/T: N alerts (1 to %u) within T (1s to 1d), such as 10/120s, "
                         "got '%s'",
                         CONFIG_THRESHOLD_COUNT_MAX, text);
    t->count = (guint)count;
    t->window_s = (guint)window;
    return TRUE;
}

/* N/T into a Threshold. */
static gboolean
threshold_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    (void)dir;
    return threshold_from_text(text, FIELD(Threshold, key, base), error);
}

static void
threshold_format(const ConfigKey *key, const void *base, GString *out)
{
    const Threshold *t = CFIELD(Threshold, key, base);
    g_string_append_printf(out, "%s = %u/", key->name, t->count);
    append_duration(out, t->window_s);
    g_string_append_c(out, '\n');
}

const ConfigValueType config_value_threshold = {.parse = threshold_parse,
                                                .format = threshold_format};

/* [policy] extend: a duration or a range A-B into extend_min_s and extend_max_s. */
static gboolean
extend_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    (void)key, (void)dir;
    Config *cfg = base;
    const char *dash = strchr(text, '-');
    g_autofree char *a = dash ? g_strndup(text, (gsize)(dash - text)) : g_strdup(text);
    const char *b = dash ? dash + 1 : a;
    guint64 lo, hi;
    if (!config_parse_duration(a, &lo, NULL) || !config_parse_duration(b, &hi, NULL) || lo > hi)
        return bad_value(error,
                         "expected a duration or a range A-B with A <= B, such as 10m-30m (0: no "
                         "extension), got '%s'",
                         text);
    cfg->policy.extend_min_s = lo;
    cfg->policy.extend_max_s = hi;
    return TRUE;
}

static void
extend_format(const ConfigKey *key, const void *base, GString *out)
{
    const Config *cfg = base;
    g_string_append_printf(out, "%s = ", key->name);
    append_duration(out, cfg->policy.extend_min_s);
    if (cfg->policy.extend_max_s != cfg->policy.extend_min_s) {
        g_string_append_c(out, '-');
        append_duration(out, cfg->policy.extend_max_s);
    }
    g_string_append_c(out, '\n');
}

const ConfigValueType config_value_extend = {.parse = extend_parse, .format = extend_format};

/* [policy] priorities: a list of priorities and ranges into the bit set; empty: all. */
static gboolean
priorities_parse(const ConfigKey *key, void *base, const char *text, const char *dir,
                 GError **error)
{
    (void)key, (void)dir;
    Config *cfg = base;
    g_auto(GStrv) items = split_list(text);
    memset(cfg->policy.priorities, 0, sizeof cfg->policy.priorities);
    for (char **it = items; *it; it++) {
        const char *dash = strchr(*it, '-');
        g_autofree char *lo_text = dash ? g_strndup(*it, (gsize)(dash - *it)) : g_strdup(*it);
        const char *hi_text = dash ? dash + 1 : lo_text;
        guint64 lo, hi;
        if (!g_ascii_string_to_unsigned(lo_text, 10, 0, CONFIG_PRIORITY_MAX, &lo, NULL) ||
            !g_ascii_string_to_unsigned(hi_text, 10, 0, CONFIG_PRIORITY_MAX, &hi, NULL) || lo > hi)
            return bad_value(error,
                             "expected priorities from 0 to %d as a list or ranges, such as '1 2' "
                             "or '0-2', got '%s'",
                             CONFIG_PRIORITY_MAX, *it);
        for (guint64 p = lo; p <= hi; p++)
            cfg->policy.priorities[p / 8] |= (guint8)(1u << (p % 8));
    }
    cfg->policy.priorities_all = items[0] == NULL;
    return TRUE;
}

/* Runs of priorities print as ranges: "priorities = 1-3 7". */
static void
priorities_format(const ConfigKey *key, const void *base, GString *out)
{
    const Config *cfg = base;
    g_string_append_printf(out, "%s =", key->name);
    for (int p = 0; !cfg->policy.priorities_all && p <= CONFIG_PRIORITY_MAX; p++) {
        if (!config_priority_counts(cfg, p))
            continue;
        int q = p;
        while (q + 1 <= CONFIG_PRIORITY_MAX && config_priority_counts(cfg, q + 1))
            q++;
        if (q == p)
            g_string_append_printf(out, " %d", p);
        else
            g_string_append_printf(out, " %d-%d", p, q);
        p = q;
    }
    g_string_append_c(out, '\n');
}

const ConfigValueType config_value_priorities = {.parse = priorities_parse,
                                                 .format = priorities_format};

/* [policy] priority_thresholds: a list of P:N/T (each priority at most once) into
 * by_priority; empty: every priority has `threshold`. A key replaces the whole list. */
static gboolean
priority_thresholds_parse(const ConfigKey *key, void *base, const char *text, const char *dir,
                          GError **error)
{
    (void)key, (void)dir;
    Config *cfg = base;
    g_auto(GStrv) items = split_list(text);
    Threshold by[CONFIG_PRIORITY_MAX + 1];
    memset(by, 0, sizeof by);
    for (char **it = items; *it; it++) {
        const char *colon = strchr(*it, ':');
        g_autofree char *p_text = colon ? g_strndup(*it, (gsize)(colon - *it)) : NULL;
        guint64 p;
        if (!colon || !g_ascii_string_to_unsigned(p_text, 10, 0, CONFIG_PRIORITY_MAX, &p, NULL))
            return bad_value(error,
                             "expected PRIORITY:N/T items (priority 0 to %d), such as "
                             "'1:1/60s 2:5/10m', got '%s'",
                             CONFIG_PRIORITY_MAX, *it);
        if (by[p].count > 0)
            return bad_value(error, "priority %u appears twice", (guint)p);
        g_autoptr(GError) err = NULL;
        if (!threshold_from_text(colon + 1, &by[p], &err))
            return bad_value(error, "priority %u: %s", (guint)p, err->message);
    }
    memcpy(cfg->policy.by_priority, by, sizeof by);
    return TRUE;
}

static void
priority_thresholds_format(const ConfigKey *key, const void *base, GString *out)
{
    const Config *cfg = base;
    g_string_append_printf(out, "%s =", key->name);
    for (guint p = 0; p <= CONFIG_PRIORITY_MAX; p++) {
        const Threshold *t = &cfg->policy.by_priority[p];
        if (t->count == 0)
            continue;
        g_string_append_printf(out, " %u:%u/", p, t->count);
        append_duration(out, t->window_s);
    }
    g_string_append_c(out, '\n');
}

const ConfigValueType config_value_priority_thresholds = {.parse = priority_thresholds_parse,
                                                          .format = priority_thresholds_format};

/* [firewall] chain: a name for our chain, into FwConfig.chain. */
static gboolean
chain_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    (void)dir;
    static const char *const builtin[] = {"INPUT", "OUTPUT", "FORWARD", "PREROUTING",
                                          "POSTROUTING"};
    gsize n = strlen(text);
    gboolean ok = n > 0 && n <= FW_CHAIN_NAME_MAX && text[0] != '-' && text[0] != '!';
    for (const char *p = text; ok && *p; p++)
        ok = g_ascii_isalnum(*p) || *p == '_' || *p == '-';
    for (gsize i = 0; ok && i < G_N_ELEMENTS(builtin); i++)
        ok = strcmp(text, builtin[i]) != 0;
    if (!ok)
        return bad_value(error,
                         "expected 1 to %d letters, digits, '_' or '-', not a built-in chain, got "
                         "'%s'",
                         FW_CHAIN_NAME_MAX, text);
    g_strlcpy(FIELD(char, key, base), text, key->max);
    return TRUE;
}

const ConfigValueType config_value_chain = {.parse = chain_parse, .format = text_buf_format};

/* [firewall] hooks: a repeatable list into the FwConfig of INPUT, FORWARD, OUTPUT (filter),
 * PREROUTING (raw: before conntrack and DNAT) and DOCKER-USER (Docker's filter chain). */
static gboolean
hooks_parse(const ConfigKey *key, void *base, const char *text, const char *dir, GError **error)
{
    (void)key, (void)dir;
    static const char *const known[] = {"INPUT",      "FORWARD",     "OUTPUT",
                                        "PREROUTING", "DOCKER-USER", NULL};
    FwConfig *fw = &((Config *)base)->firewall;
    g_auto(GStrv) items = split_list(text);
    for (char **it = items; *it; it++) {
        if (!g_strv_contains(known, *it))
            return bad_value(error,
                             "expected INPUT, FORWARD, OUTPUT, PREROUTING or DOCKER-USER, got "
                             "'%s'",
                             *it);
        for (guint i = 0; i < fw->n_hooks; i++) {
            if (strcmp(fw->hooks[i], *it) == 0)
                return bad_value(error, "'%s' is listed twice", *it);
        }
        if (fw->n_hooks >= FW_HOOKS_MAX)
            return bad_value(error, "at most %d hooks", FW_HOOKS_MAX);
        g_strlcpy(fw->hooks[fw->n_hooks++], *it, FW_CHAIN_MAX);
    }
    if (fw->n_hooks == 0)
        return bad_value(
            error, "expected at least one of INPUT, FORWARD, OUTPUT, PREROUTING, DOCKER-USER");
    return TRUE;
}

static void
hooks_format(const ConfigKey *key, const void *base, GString *out)
{
    const FwConfig *fw = &((const Config *)base)->firewall;
    g_string_append_printf(out, "%s =", key->name);
    for (guint i = 0; i < fw->n_hooks; i++)
        g_string_append_printf(out, " %s", fw->hooks[i]);
    g_string_append_c(out, '\n');
}

static void
hooks_clear(const ConfigKey *key, void *base)
{
    (void)key;
    ((Config *)base)->firewall.n_hooks = 0;
}

const ConfigValueType config_value_hooks = {
    .parse = hooks_parse, .format = hooks_format, .clear = hooks_clear};
