// SPDX-License-Identifier: GPL-2.0-or-later
// The control protocol: strict request parsing and reply encoding, shared by the daemon and the
// CLI so both sides agree on one definition of the wire format.
#include "ctl_proto.h"

#include <string.h>

#include "duration.h"
#include "error.h"

/* ---- names ------------------------------------------------------------------------------ */

static const char *const command_names[CTL_CMD_COUNT] = {
    [CTL_CMD_LIST] = "list",   [CTL_CMD_SHOW] = "show",     [CTL_CMD_BAN] = "ban",
    [CTL_CMD_UNBAN] = "unban", [CTL_CMD_STATUS] = "status", [CTL_CMD_RELOAD] = "reload",
    [CTL_CMD_STATS] = "stats",
};

static const char *const sort_names[CTL_SORT_COUNT] = {
    [CTL_SORT_EXPIRES] = "expires",
    [CTL_SORT_ADDR] = "addr",
    [CTL_SORT_VIOLATIONS] = "violations",
    [CTL_SORT_CREATED] = "created",
};

const char *
ctl_command_name(CtlCommand cmd)
{
    return (guint)cmd < CTL_CMD_COUNT ? command_names[cmd] : NULL;
}

const char *
ctl_sort_name(CtlSort sort)
{
    return (guint)sort < CTL_SORT_COUNT ? sort_names[sort] : NULL;
}

gboolean
ctl_sort_parse(const char *text, CtlSort *out)
{
    for (guint i = 0; i < CTL_SORT_COUNT; i++) {
        if (strcmp(text, sort_names[i]) == 0) {
            *out = (CtlSort)i;
            return TRUE;
        }
    }
    return FALSE;
}

gboolean
ctl_command_is_read_only(CtlCommand cmd)
{
    return cmd == CTL_CMD_LIST || cmd == CTL_CMD_SHOW || cmd == CTL_CMD_STATUS ||
           cmd == CTL_CMD_STATS;
}

gboolean
ctl_rule_parse(const char *text, guint32 *gid, guint32 *sid, GError **error)
{
    g_auto(GStrv) parts = g_strsplit(text, ":", 3);
    guint64 g = 0, s = 0;
    if (g_strv_length(parts) != 2 ||
        !g_ascii_string_to_unsigned(parts[0], 10, 0, G_MAXUINT32, &g, NULL) ||
        !g_ascii_string_to_unsigned(parts[1], 10, 0, G_MAXUINT32, &s, NULL)) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE,
                    "bad rule \"%.32s\" (expected GID:SID, as in 1:2001219)", text);
        return FALSE;
    }
    *gid = (guint32)g;
    *sid = (guint32)s;
    return TRUE;
}

/* ---- requests ---------------------------------------------------------------------------
 * Each request key has one JSON type, and each command a set of keys it takes; anything else
 * is an error, so the daemon never guesses what a request meant. */

typedef enum {
    KEY_V = 1 << 0,
    KEY_CMD = 1 << 1,
    KEY_ADDR = 1 << 2,
    KEY_ALL = 1 << 3,
    KEY_FOR_S = 1 << 4,
    KEY_PERMANENT = 1 << 5,
    KEY_FORCE = 1 << 6,
    KEY_REASON = 1 << 7,
    KEY_LIMIT = 1 << 8,
    KEY_SORT = 1 << 9,
    KEY_AFTER = 1 << 10,
    KEY_RULE = 1 << 11,
    KEY_BY = 1 << 12,
} RequestKey;

/* The JSON type of a request key's value. */
typedef enum {
    KEY_TYPE_INT,
    KEY_TYPE_STRING,
    KEY_TYPE_BOOL,
} KeyType;

static const struct {
    const char *name;
    RequestKey key;
    KeyType type;
} request_keys[] = {
    {"v", KEY_V, KEY_TYPE_INT},          {"cmd", KEY_CMD, KEY_TYPE_STRING},
    {"addr", KEY_ADDR, KEY_TYPE_STRING}, {"all", KEY_ALL, KEY_TYPE_BOOL},
    {"for_s", KEY_FOR_S, KEY_TYPE_INT},  {"permanent", KEY_PERMANENT, KEY_TYPE_BOOL},
    {"force", KEY_FORCE, KEY_TYPE_BOOL}, {"reason", KEY_REASON, KEY_TYPE_STRING},
    {"limit", KEY_LIMIT, KEY_TYPE_INT},  {"sort", KEY_SORT, KEY_TYPE_STRING},
    {"after", KEY_AFTER, KEY_TYPE_STRING}, {"rule", KEY_RULE, KEY_TYPE_STRING},
    {"by", KEY_BY, KEY_TYPE_STRING},
};

/* The keys each command takes besides v and cmd. */
static const guint command_keys[CTL_CMD_COUNT] = {
    [CTL_CMD_LIST] = KEY_ADDR | KEY_SORT | KEY_LIMIT | KEY_AFTER,
    [CTL_CMD_SHOW] = KEY_ADDR | KEY_LIMIT,
    [CTL_CMD_BAN] = KEY_ADDR | KEY_FOR_S | KEY_PERMANENT | KEY_REASON | KEY_FORCE,
    [CTL_CMD_UNBAN] = KEY_ADDR | KEY_ALL,
    [CTL_CMD_STATUS] = 0,
    [CTL_CMD_RELOAD] = 0,
    [CTL_CMD_STATS] = KEY_LIMIT | KEY_RULE | KEY_BY,
};

static gboolean G_GNUC_PRINTF(2, 3) request_fail(GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PROTO, msg);
    return FALSE;
}

static const char *
key_type_name(KeyType t)
{
    static const char *const names[] = {"an integer", "a string", "a boolean"};
    return names[t];
}

static gboolean
key_type_matches(KeyType t, const json_t *v)
{
    switch (t) {
    case KEY_TYPE_INT:
        return json_is_integer(v);
    case KEY_TYPE_STRING:
        return json_is_string(v);
    case KEY_TYPE_BOOL:
        return json_is_boolean(v);
    }
    return FALSE;
}

/* The operator's reason for a ban: bounded, and no control characters (it reaches the log). */
static gboolean
take_reason(const json_t *v_reason, CtlRequest *req, GError **error)
{
    const char *s = json_string_value(v_reason);
    gsize len = json_string_length(v_reason);
    if (len > CTL_REASON_MAX)
        return request_fail(error, "\"reason\" longer than %d bytes", CTL_REASON_MAX);
    for (gsize i = 0; i < len; i++) {
        guchar ch = (guchar)s[i];
        if (ch < 0x20 || ch == 0x7f)
            return request_fail(error, "\"reason\" contains a control character");
    }
    memcpy(req->reason, s, len + 1);
    return TRUE;
}

/* What each command needs beyond the keys it may take. */
static gboolean
check_command_needs(const CtlRequest *req, GError **error)
{
    switch (req->cmd) {
    case CTL_CMD_SHOW:
        if (!req->has_addr)
            return request_fail(error, "\"show\" needs \"addr\"");
        if (req->limit > CTL_SHOW_LIMIT_MAX)
            return request_fail(error,
                                "\"show\" returns at most %u history entries; narrow the request",
                                (guint)CTL_SHOW_LIMIT_MAX);
        break;
    case CTL_CMD_BAN:
        if (!req->has_addr)
            return request_fail(error, "\"ban\" needs \"addr\"");
        break;
    case CTL_CMD_UNBAN:
        if (req->has_addr == req->all)
            return request_fail(error, "\"unban\" needs either \"addr\" or \"all\":true");
        break;
    case CTL_CMD_STATS:
        if (req->limit > CTL_STATS_LIMIT_MAX)
            return request_fail(error, "\"stats\" lists at most %u rules",
                                (guint)CTL_STATS_LIMIT_MAX);
        break;
    case CTL_CMD_LIST:
    case CTL_CMD_STATUS:
    case CTL_CMD_RELOAD:
        break;
    }
    return TRUE;
}

gboolean
ctl_proto_parse_request(const char *line, gsize len, CtlRequest *req, GError **error)
{
    g_return_val_if_fail(line != NULL || len == 0, FALSE);
    memset(req, 0, sizeof *req);
    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (len > CTL_REQUEST_MAX)
        return request_fail(error, "request longer than %d bytes", CTL_REQUEST_MAX);

    g_autoptr(GError) local = NULL;
    g_autoptr(json_t) obj = json_parse(line, len, 1, &local);
    if (!obj)
        return request_fail(error, "%s", local->message);
    if (!json_is_object(obj))
        return request_fail(error, "a request is a JSON object");

    /* Pass 1: every member is a known key of the right type. */
    guint present = 0;
    const json_t *values[G_N_ELEMENTS(request_keys)] = {0};
    for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
        const char *name = json_object_iter_key(it);
        const json_t *m = json_object_iter_value(it);
        guint k;
        for (k = 0; k < G_N_ELEMENTS(request_keys); k++) {
            if (strcmp(name, request_keys[k].name) == 0)
                break;
        }
        if (k == G_N_ELEMENTS(request_keys))
            return request_fail(error, "unknown key \"%.32s\"", name);
        if (!key_type_matches(request_keys[k].type, m))
            return request_fail(error, "\"%s\" must be %s", request_keys[k].name,
                                key_type_name(request_keys[k].type));
        present |= request_keys[k].key;
        values[k] = m;
    }
    /* values[] is indexed like request_keys[]. */
    const json_t *v_v = values[0], *v_cmd = values[1], *v_addr = values[2], *v_all = values[3],
                 *v_for = values[4], *v_perm = values[5], *v_force = values[6],
                 *v_reason = values[7], *v_limit = values[8], *v_sort = values[9],
                 *v_after = values[10], *v_rule = values[11], *v_by = values[12];
    const char *cmd = json_string_value(v_cmd), *addr = json_string_value(v_addr),
               *sort = json_string_value(v_sort), *after = json_string_value(v_after),
               *rule = json_string_value(v_rule), *by = json_string_value(v_by);
    gint64 version = json_integer_value(v_v), for_s = json_integer_value(v_for),
           limit = json_integer_value(v_limit);

    /* Pass 2: version and command, then the keys the command takes. */
    if (!v_v)
        return request_fail(error, "missing protocol version \"v\"");
    if (version != CTL_PROTO_VERSION)
        return request_fail(
            error, "unsupported protocol version %" G_GINT64_FORMAT " (this daemon speaks %d)",
            version, CTL_PROTO_VERSION);
    if (!v_cmd)
        return request_fail(error, "missing \"cmd\"");
    guint c;
    for (c = 0; c < CTL_CMD_COUNT; c++) {
        if (strcmp(cmd, command_names[c]) == 0)
            break;
    }
    if (c == CTL_CMD_COUNT)
        return request_fail(error, "unknown command \"%.32s\"", cmd);
    req->cmd = (CtlCommand)c;
    guint extra = present & ~(guint)(KEY_V | KEY_CMD) & ~command_keys[c];
    if (extra) {
        for (guint k = 0; k < G_N_ELEMENTS(request_keys); k++) {
            if (extra & request_keys[k].key)
                return request_fail(error, "\"%s\" does not take \"%s\"", command_names[c],
                                    request_keys[k].name);
        }
    }

    if (v_addr) {
        g_autoptr(GError) perr = NULL;
        if (!ipprefix_parse(addr, &req->addr, &perr))
            return request_fail(error, "\"addr\": %s", perr->message);
        req->has_addr = TRUE;
    }
    req->all = json_is_true(v_all);
    req->permanent = json_is_true(v_perm);
    req->force = json_is_true(v_force);
    if (v_for) {
        if (for_s < 1 || for_s > CTL_FOR_MAX_S)
            return request_fail(error, "\"for_s\" must be 1..%lld", (long long)CTL_FOR_MAX_S);
        if (req->permanent)
            return request_fail(error, "\"for_s\" and \"permanent\" exclude each other");
        req->for_s = for_s;
    }
    if (v_limit) {
        if (limit < 1 || limit > CTL_LIMIT_MAX)
            return request_fail(error, "\"limit\" must be 1..%d", CTL_LIMIT_MAX);
        req->limit = (guint32)limit;
    }
    if (sort && !ctl_sort_parse(sort, &req->sort))
        return request_fail(error, "unknown sort key \"%.32s\"", sort);
    /* After the sort: the cursor's form depends on it. */
    if (after && !ctl_list_cursor_parse(after, req->sort, &req->after, error))
        return FALSE;
    if (v_reason && !take_reason(v_reason, req, error))
        return FALSE;
    if (v_rule) {
        g_autoptr(GError) rerr = NULL;
        if (!ctl_rule_parse(rule, &req->rule_gid, &req->rule_sid, &rerr))
            return request_fail(error, "\"rule\": %s", rerr->message);
        req->has_rule = TRUE;
    }
    if (v_by) {
        if (strcmp(by, "bans") != 0 && strcmp(by, "alerts") != 0)
            return request_fail(error, "\"by\" must be \"alerts\" or \"bans\"");
        req->by_bans = strcmp(by, "bans") == 0;
    }
    return check_command_needs(req, error);
}

void
ctl_proto_format_request(const CtlRequest *req, GString *out)
{
    JsonWriter w;
    json_writer_init(&w, out);
    json_object_begin(&w, NULL);
    json_add_int(&w, "v", CTL_PROTO_VERSION);
    json_add_string(&w, "cmd", ctl_command_name(req->cmd));
    if (req->has_addr) {
        char buf[IPADDR_STRLEN];
        json_add_string(&w, "addr", ipprefix_format(&req->addr, buf));
    }
    if (req->all)
        json_add_bool(&w, "all", TRUE);
    if (req->for_s > 0)
        json_add_int(&w, "for_s", req->for_s);
    if (req->permanent)
        json_add_bool(&w, "permanent", TRUE);
    if (req->force)
        json_add_bool(&w, "force", TRUE);
    if (req->reason[0])
        json_add_string(&w, "reason", req->reason);
    if (req->limit > 0)
        json_add_int(&w, "limit", req->limit);
    if (req->cmd == CTL_CMD_LIST && req->sort != CTL_SORT_EXPIRES)
        json_add_string(&w, "sort", ctl_sort_name(req->sort));
    if (req->cmd == CTL_CMD_LIST && req->after.set) {
        char buf[CTL_CURSOR_STRLEN];
        json_add_string(&w, "after", ctl_list_cursor_format(req->sort, &req->after, buf));
    }
    if (req->has_rule) {
        char rule[24];
        g_snprintf(rule, sizeof rule, "%u:%u", req->rule_gid, req->rule_sid);
        json_add_string(&w, "rule", rule);
    }
    if (req->by_bans)
        json_add_string(&w, "by", "bans");
    json_object_end(&w);
    g_string_append_c(out, '\n');
}

/* ---- list cursors -----------------------------------------------------------------------
 * Sorted by addr the prefix alone is the position; any other sort key repeats, so the prefix
 * breaks ties, as it does in the sort itself. */

const char *
ctl_list_cursor_format(CtlSort sort, const CtlListCursor *cursor, char buf[CTL_CURSOR_STRLEN])
{
    char prefix[IPADDR_STRLEN];
    ipprefix_format(&cursor->prefix, prefix);
    if (sort == CTL_SORT_ADDR)
        g_strlcpy(buf, prefix, CTL_CURSOR_STRLEN);
    else
        g_snprintf(buf, CTL_CURSOR_STRLEN, "%" G_GINT64_FORMAT " %s", cursor->key, prefix);
    return buf;
}

gboolean
ctl_list_cursor_parse(const char *text, CtlSort sort, CtlListCursor *out, GError **error)
{
    memset(out, 0, sizeof *out);
    if (strlen(text) >= CTL_CURSOR_STRLEN)
        return request_fail(error, "\"after\" is longer than a cursor");
    const char *prefix = text;
    if (sort != CTL_SORT_ADDR) {
        const char *space = strchr(text, ' ');
        g_autofree char *key = space ? g_strndup(text, (gsize)(space - text)) : NULL;
        if (!key || !g_ascii_string_to_signed(key, 10, 0, G_MAXINT64, &out->key, NULL))
            return request_fail(error,
                                "\"after\": \"%.48s\" is not a cursor for sort \"%s\" "
                                "(KEY PREFIX, as \"next\" gives it)",
                                text, ctl_sort_name(sort));
        prefix = space + 1;
    }
    g_autoptr(GError) perr = NULL;
    if (!ipprefix_parse(prefix, &out->prefix, &perr))
        return request_fail(error, "\"after\": %s", perr->message);
    out->set = TRUE;
    return TRUE;
}

/* ---- replies ---------------------------------------------------------------------------- */

void
ctl_proto_reply_begin(JsonWriter *w, GString *out)
{
    json_writer_init(w, out);
    json_object_begin(w, NULL);
    json_add_int(w, "v", CTL_PROTO_VERSION);
    json_add_bool(w, "ok", TRUE);
}

void
ctl_proto_reply_end(JsonWriter *w)
{
    json_object_end(w);
    g_string_append_c(w->out, '\n');
}

void
ctl_proto_reply_error(GString *out, const char *code, const char *message)
{
    JsonWriter w;
    json_writer_init(&w, out);
    json_object_begin(&w, NULL);
    json_add_int(&w, "v", CTL_PROTO_VERSION);
    json_add_bool(&w, "ok", FALSE);
    json_add_string(&w, "code", code);
    json_add_string(&w, "error", message);
    json_object_end(&w);
    g_string_append_c(out, '\n');
}

void
ctl_proto_reply_error_state(GString *out, const char *code, const char *message,
                            gboolean stored, gboolean enforced)
{
    JsonWriter w;
    json_writer_init(&w, out);
    json_object_begin(&w, NULL);
    json_add_int(&w, "v", CTL_PROTO_VERSION);
    json_add_bool(&w, "ok", FALSE);
    json_add_string(&w, "code", code);
    json_add_string(&w, "error", message);
    json_add_bool(&w, "stored", stored);
    json_add_bool(&w, "enforced", enforced);
    json_object_end(&w);
    g_string_append_c(out, '\n');
}

json_t *
ctl_proto_parse_reply(const char *line, gsize len, gboolean *ok, GError **error)
{
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    g_autoptr(json_t) v = json_parse(line, len, JSON_DEPTH_MAX, error);
    if (!v)
        return NULL;
    if (!json_is_object(v)) {
        g_set_error_literal(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PROTO,
                            "the reply is not a JSON object");
        return NULL;
    }
    gint64 version = json_get_int(v, "v", -1);
    if (version != CTL_PROTO_VERSION) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PROTO,
                    "the daemon speaks protocol version %" G_GINT64_FORMAT ", not %d", version,
                    CTL_PROTO_VERSION);
        return NULL;
    }
    const json_t *okv = json_get(v, "ok");
    if (!json_is_boolean(okv)) {
        g_set_error_literal(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PROTO,
                            "the reply has no \"ok\" member");
        return NULL;
    }
    *ok = json_is_true(okv);
    return g_steal_pointer(&v);
}

/* ---- durations -------------------------------------------------------------------------- */

gboolean
ctl_duration_parse(const char *text, gint64 *out_s, GError **error)
{
    guint64 s = 0;
    switch (duration_parse_s(text, CTL_FOR_MAX_S, &s)) {
    case DURATION_OK:
        if (s >= 1) {
            *out_s = (gint64)s;
            return TRUE;
        }
        break;
    case DURATION_BAD:
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE,
                    "bad duration \"%s\" (examples: 3600, 90s, 45m, 12h, 7d, 2w, 1h30m)", text);
        return FALSE;
    case DURATION_RANGE:
        break;
    }
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE,
                "duration \"%s\" out of range (1 s .. %lld days)", text,
                (long long)(CTL_FOR_MAX_S / 86400));
    return FALSE;
}
