// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's configuration: one INI file parsed with inih into a validated, owned Config.
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_keys.h"
#include "error.h"

/*
 * inih is driven through ini_parse_stream() with a reader of our own over the whole file in
 * memory. The reader is where the things inih cannot report are checked, each with the line
 * number it counts itself: lines too long for inih's 200-byte buffer (inih would split them
 * and parse the rest as a new line), NUL bytes, section headers (so an empty unknown section
 * is still an error), and lines that are neither comment, section nor `key = value`. It also
 * strips leading whitespace, so an indented key is a key and never one of inih's
 * continuation lines. The first error stops the parse: the reader then reports end of input.
 *
 * The handler looks each key up in the key table (config_keys.c), which knows its type, where
 * its value goes and what it defaults to.
 */

typedef struct {
    Config *cfg;
    const char *name; /* file name used in messages */
    char *dir;        /* relative paths resolve against it */
    const char *text;
    gsize len, pos;
    guint lineno;
    GError *error;
    guint error_line;
    ConfigSection section;
    guint rule_index;      /* cfg->rules index while in a [rule] section */
    GHashTable *seen_keys; /* "section-id/key" -> line of the first occurrence */
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

/* "[daemon], [input], ... or [rule GID:SID]": every section, for messages. */
static char *
section_list(void)
{
    GString *s = g_string_new(NULL);
    for (ConfigSection k = CONFIG_SECTION_DAEMON; k < CONFIG_SECTION_RULE; k++)
        g_string_append_printf(s, "[%s], ", config_section_names[k]);
    g_string_truncate(s, s->len - 2);
    g_string_append_printf(s, " or [%s GID:SID]", config_section_names[CONFIG_SECTION_RULE]);
    return g_string_free(s, FALSE);
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

/* Starts a [rule PATTERN] section: a ConfigRule with the defaults of the [rule] keys. */
static void
enter_rule_section(Loader *ld, const char *pat_text)
{
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
    config_keys_init_defaults(CONFIG_SECTION_RULE, &rule);
    g_array_append_val(ld->cfg->rules, rule);
    ld->section = CONFIG_SECTION_RULE;
    ld->rule_index = ld->cfg->rules->len - 1;
}

/* inih ends a value at " ;" only; " #" (after a space or tab) starts a comment too, as on a
 * line of its own, so it is turned into the ';' inih knows. A '#' inside a word ("a#b")
 * stays part of the value. */
static void
mark_inline_hash_comment(char *sep)
{
    for (char *p = sep + 1; *p; p++) {
        if (*p == '#' && (p[-1] == ' ' || p[-1] == '\t')) {
            *p = ';';
            return;
        }
    }
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
    for (ConfigSection k = CONFIG_SECTION_DAEMON; k < CONFIG_SECTION_RULE; k++) {
        if (strcmp(name, config_section_names[k]) == 0) {
            ld->section = k;
            return;
        }
    }
    const char *rule = config_section_names[CONFIG_SECTION_RULE];
    gsize n = strlen(rule);
    if (strncmp(name, rule, n) == 0 && (name[n] == ' ' || name[n] == '\t')) {
        enter_rule_section(ld, name + n + 1);
        return;
    }
    g_autofree char *all = section_list();
    fail(ld, "unknown section [%s]: expected %s", name, all);
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
        char *sep = strpbrk(str, "=:");
        const char *semi = strchr(str, ';');
        if (!sep || (semi && semi < sep) || sep == str)
            fail(ld, "expected '[section]', 'key = value' or a comment");
        else
            mark_inline_hash_comment(sep);
    }
    return ld->error ? NULL : str;
}

/* ---- the handler ---- */

/* The id under which a key of the current section is remembered: [rule] sections each have
 * their own keys, the other sections share theirs however often they appear. */
static char *
key_id(ConfigSection section, guint rule_index, const char *key)
{
    if (section == CONFIG_SECTION_RULE)
        return g_strdup_printf("rule%u/%s", rule_index, key);
    return g_strdup_printf("%d/%s", section, key);
}

/* The line where key was first set in the file, or 0. */
static guint
key_line(const Loader *ld, ConfigSection section, const char *key)
{
    g_autofree char *id = key_id(section, 0, key);
    return GPOINTER_TO_UINT(g_hash_table_lookup(ld->seen_keys, id));
}

/* Records an occurrence of key. A single-valued key may appear once per section (FALSE and an
 * error on a repeat); the first occurrence of a list key replaces the list's default. */
static gboolean
note_key(Loader *ld, const ConfigKey *key, void *base)
{
    g_autofree char *id = key_id(ld->section, ld->rule_index, key->name);
    guint prev = GPOINTER_TO_UINT(g_hash_table_lookup(ld->seen_keys, id));
    if (prev && !key->type->clear) {
        fail(ld, "'%s' is already set in this section (line %u)", key->name, prev);
        return FALSE;
    }
    if (!prev) {
        if (key->type->clear)
            key->type->clear(key, base);
        g_hash_table_insert(ld->seen_keys, g_steal_pointer(&id), GUINT_TO_POINTER(ld->lineno));
    }
    return TRUE;
}

/* "threshold, ban_time, track or ignore": the keys of section, for messages. */
static char *
key_list(ConfigSection section)
{
    GPtrArray *names = g_ptr_array_new();
    for (gsize i = 0; i < config_n_keys; i++) {
        if (config_keys[i].section == section)
            g_ptr_array_add(names, (gpointer)config_keys[i].name);
    }
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < names->len; i++) {
        if (i > 0)
            g_string_append(s, i + 1 == names->len ? " or " : ", ");
        g_string_append(s, names->pdata[i]);
    }
    g_ptr_array_unref(names);
    return g_string_free(s, FALSE);
}

static void
unknown_key(Loader *ld, const char *key)
{
    if (ld->section == CONFIG_SECTION_RULE) {
        g_autofree char *keys = key_list(CONFIG_SECTION_RULE);
        fail(ld, "unknown key '%s' in a [rule] section (expected %s)", key, keys);
    } else {
        fail(ld, "unknown key '%s' in [%s]", key, config_section_names[ld->section]);
    }
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
    Loader *ld = user;
    (void)section; /* the reader tracked the section already, validated */
    if (ld->error)
        return 0;
    if (ld->section == CONFIG_SECTION_NONE) {
        g_autofree char *all = section_list();
        fail(ld, "'%s' is outside any section; put it under %s", name, all);
        return 0;
    }
    const ConfigKey *key = config_key_find(ld->section, name);
    if (!key) {
        unknown_key(ld, name);
        return 0;
    }
    void *base = ld->section == CONFIG_SECTION_RULE
                     ? (void *)&g_array_index(ld->cfg->rules, ConfigRule, ld->rule_index)
                     : (void *)ld->cfg;
    if (!note_key(ld, key, base))
        return 0;
    g_autoptr(GError) err = NULL;
    if (!config_key_parse(key, base, value, ld->dir, &err)) {
        fail(ld, "%s: %s", key->name, err->message);
        return 0;
    }
    return 1;
}

/* Checks between keys, once the whole file is read. */
static void
check_relations(Loader *ld)
{
    const Config *cfg = ld->cfg;
    if (cfg->policy.max_ban_time_s < cfg->policy.ban_time_s) {
        ld->lineno = MAX(key_line(ld, CONFIG_SECTION_POLICY, "max_ban_time"),
                         key_line(ld, CONFIG_SECTION_POLICY, "ban_time"));
        fail(ld,
             "max_ban_time (%" G_GUINT64_FORMAT "s) is shorter than ban_time (%" G_GUINT64_FORMAT
             "s)",
             cfg->policy.max_ban_time_s, cfg->policy.ban_time_s);
    }
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
    for (ConfigSection k = CONFIG_SECTION_DAEMON; k < CONFIG_SECTION_RULE; k++)
        config_keys_init_defaults(k, cfg);
    cfg->whitelist.file_addresses = g_array_new(FALSE, TRUE, sizeof(IpPrefix));
    cfg->whitelist.file_rules = g_array_new(FALSE, TRUE, sizeof(RulePattern));
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
    if (!ld.error)
        check_relations(&ld);
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

Threshold
config_priority_threshold(const Config *cfg, gint32 priority)
{
    if (priority < 0)
        priority = 0;
    if (priority <= CONFIG_PRIORITY_MAX && cfg->policy.by_priority[priority].count > 0)
        return cfg->policy.by_priority[priority];
    return cfg->policy.threshold;
}

/* ---- formatting ---- */

/* The keys of section, in table order, from base (the Config, or a ConfigRule). */
static void
format_section(GString *out, ConfigSection section, const void *base)
{
    for (gsize i = 0; i < config_n_keys; i++) {
        const ConfigKey *key = &config_keys[i];
        if (key->section != section)
            continue;
        if (key->present && !*(const gboolean *)(const void *)((const char *)base + key->present))
            continue;
        key->type->format(key, base, out);
    }
}

char *
config_format(const Config *cfg)
{
    g_return_val_if_fail(cfg != NULL, NULL);
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "; effective configuration of %s\n", cfg->file);
    for (ConfigSection k = CONFIG_SECTION_DAEMON; k < CONFIG_SECTION_RULE; k++) {
        g_string_append_printf(s, "\n[%s]\n", config_section_names[k]);
        format_section(s, k, cfg);
    }
    for (guint i = 0; i < cfg->rules->len; i++) {
        const ConfigRule *r = &g_array_index(cfg->rules, ConfigRule, i);
        char buf[32];
        g_string_append_printf(s, "\n[%s %s]\n", config_section_names[CONFIG_SECTION_RULE],
                               rule_pattern_format(&r->pattern, buf, sizeof buf));
        format_section(s, CONFIG_SECTION_RULE, r);
    }
    return g_string_free(s, FALSE);
}

char *
config_describe_keys(void)
{
    GString *s = g_string_new(NULL);
    for (gsize i = 0; i < config_n_keys; i++) {
        const ConfigKey *key = &config_keys[i];
        g_string_append_printf(s, "%s\t%s\t%s\t%s\n", config_section_names[key->section], key->name,
                               key->def ? key->def : "", key->doc);
    }
    return g_string_free(s, FALSE);
}

static void
config_free_members(Config *cfg)
{
    for (ConfigSection k = CONFIG_SECTION_DAEMON; k < CONFIG_SECTION_RULE; k++)
        config_keys_free(k, cfg);
    g_clear_pointer(&cfg->file, g_free);
    g_clear_pointer(&cfg->whitelist.file_addresses, g_array_unref);
    g_clear_pointer(&cfg->whitelist.file_rules, g_array_unref);
    for (guint i = 0; cfg->rules && i < cfg->rules->len; i++)
        config_keys_free(CONFIG_SECTION_RULE, &g_array_index(cfg->rules, ConfigRule, i));
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
