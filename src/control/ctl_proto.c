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

static const struct {
    const char *name;
    RequestKey key;
    JsonType type;
} request_keys[] = {
    {"v", KEY_V, JSON_INT},
    {"cmd", KEY_CMD, JSON_STRING},
    {"addr", KEY_ADDR, JSON_STRING},
    {"all", KEY_ALL, JSON_BOOL},
    {"for_s", KEY_FOR_S, JSON_INT},
    {"permanent", KEY_PERMANENT, JSON_BOOL},
    {"force", KEY_FORCE, JSON_BOOL},
    {"reason", KEY_REASON, JSON_STRING},
    {"limit", KEY_LIMIT, JSON_INT},
    {"sort", KEY_SORT, JSON_STRING},
    {"after", KEY_AFTER, JSON_STRING},
    {"rule", KEY_RULE, JSON_STRING},
    {"by", KEY_BY, JSON_STRING},
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
json_type_name(JsonType t)
{
    static const char *const names[] = {"null",     "a boolean", "an integer",
                                        "a string", "an array",  "an object"};
    return names[t];
}

/* The operator's reason for a ban: bounded, and no control characters (it reaches the log). */
static gboolean
take_reason(const JsonValue *v_reason, CtlRequest *req, GError **error)
{
    if (v_reason->s_len > CTL_REASON_MAX)
        return request_fail(error, "\"reason\" longer than %d bytes", CTL_REASON_MAX);
    for (gsize i = 0; i < v_reason->s_len; i++) {
        guchar ch = (guchar)v_reason->s[i];
        if (ch < 0x20 || ch == 0x7f)
            return request_fail(error, "\"reason\" contains a control character");
    }
    memcpy(req->reason, v_reason->s, v_reason->s_len + 1);
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
    g_autoptr(JsonValue) obj = json_parse(line, len, 1, &local);
    if (!obj)
        return request_fail(error, "%s", local->message);
    if (obj->type != JSON_OBJECT)
        return request_fail(error, "a request is a JSON object");

    /* Pass 1: every member is a known key of the right type. */
    guint present = 0;
    const JsonValue *values[G_N_ELEMENTS(request_keys)] = {0};
    for (guint i = 0; i < obj->items->len; i++) {
        const JsonValue *m = obj->items->pdata[i];
        guint k;
        for (k = 0; k < G_N_ELEMENTS(request_keys); k++) {
            if (strcmp(m->key, request_keys[k].name) == 0)
                break;
        }
        if (k == G_N_ELEMENTS(request_keys))
            return request_fail(error, "unknown key \"%.32s\"", m->key);
        if (m->type != request_keys[k].type)
            return request_fail(error, "\"%s\" must be %s", request_keys[k].name,
                                json_type_name(request_keys[k].type));
        present |= request_keys[k].key;
        values[k] = m;
    }
    /* values[] is indexed like request_keys[]. */
    const JsonValue *v_v = values[0], *v_cmd = values[1], *v_addr = values[2], *v_all = values[3],
                    *v_for = values[4], *v_perm = values[5], *v_force = values[6],
                    *v_reason = values[7], *v_limit = values[8], *v_sort = values[9],
                    *v_after = values[10], *v_rule = values[11], *v_by = values[12];

    /* Pass 2: version and command, then the keys the command takes. */
    if (!v_v)
        return request_fail(error, "missing protocol version \"v\"");
    if (v_v->i != CTL_PROTO_VERSION)
        return request_fail(
            error, "unsupported protocol version %" G_GINT64_FORMAT " (this daemon speaks %d)",
            v_v->i, CTL_PROTO_VERSION);
    if (!v_cmd)
        return request_fail(error, "missing \"cmd\"");
    guint c;
    for (c = 0; c < CTL_CMD_COUNT; c++) {
        if (strcmp(v_cmd->s, command_names[c]) == 0)
            break;
    }
    if (c == CTL_CMD_COUNT)
        return request_fail(error, "unknown command \"%.32s\"", v_cmd->s);
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
        if (!ipprefix_parse(v_addr->s, &req->addr, &perr))
            return request_fail(error, "\"addr\": %s", perr->message);
        req->has_addr = TRUE;
    }
    req->all = v_all && v_all->b;
    req->permanent = v_perm && v_perm->b;
    req->force = v_force && v_force->b;
    if (v_for) {
        if (v_for->i < 1 || v_for->i > CTL_FOR_MAX_S)
            return request_fail(error, "\"for_s\" must be 1..%lld", (long long)CTL_FOR_MAX_S);
        if (req->permanent)
            return request_fail(error, "\"for_s\" and \"permanent\" exclude each other");
        req->for_s = v_for->i;
    }
    if (v_limit) {
        if (v_limit->i < 1 || v_limit->i > CTL_LIMIT_MAX)
            return request_fail(error, "\"limit\" must be 1..%d", CTL_LIMIT_MAX);
        req->limit = (guint32)v_limit->i;
    }
    if (v_sort && !ctl_sort_parse(v_sort->s, &req->sort))
        return request_fail(error, "unknown sort key \"%.32s\"", v_sort->s);
    /* After the sort: the cursor's form depends on it. */
    if (v_after && !ctl_list_cursor_parse(v_after->s, req->sort, &req->after, error))
        return FALSE;
    if (v_reason && !take_reason(v_reason, req, error))
        return FALSE;
    if (v_rule) {
        g_autoptr(GError) rerr = NULL;
        if (!ctl_rule_parse(v_rule->s, &req->rule_gid, &req->rule_sid, &rerr))
            return request_fail(error, "\"rule\": %s", rerr->message);
        req->has_rule = TRUE;
    }
    if (v_by) {
        if (strcmp(v_by->s, "bans") != 0 && strcmp(v_by->s, "alerts") != 0)
            return request_fail(error, "\"by\" must be \"alerts\" or \"bans\"");
        req->by_bans = strcmp(v_by->s, "bans") == 0;
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

JsonValue *
ctl_proto_parse_reply(const char *line, gsize len, gboolean *ok, GError **error)
{
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    g_autoptr(JsonValue) v = json_parse(line, len, JSON_DEPTH_MAX, error);
    if (!v)
        return NULL;
    if (v->type != JSON_OBJECT) {
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
    const JsonValue *okv = json_get(v, "ok");
    if (!okv || okv->type != JSON_BOOL) {
        g_set_error_literal(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PROTO,
                            "the reply has no \"ok\" member");
        return NULL;
    }
    *ok = okv->b;
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
