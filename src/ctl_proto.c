// SPDX-License-Identifier: GPL-2.0-or-later
// The control protocol: strict request parsing, reply encoding and the JSON reader/writer the
// daemon and the CLI share, so both sides agree on one definition of the wire format.
#include "ctl_proto.h"

#include <string.h>

#include "error.h"

/*
 * The JSON writer and reader below are generic. They live here because the control protocol
 * is their first user; when the project gains a shared JSON module they move there unchanged
 * (the ctl_json_* names are the interface to keep).
 */

/* ---- names ------------------------------------------------------------------------------ */

static const char *const command_names[CTL_CMD_COUNT] = {
    [CTL_CMD_LIST] = "list",   [CTL_CMD_SHOW] = "show",     [CTL_CMD_BAN] = "ban",
    [CTL_CMD_UNBAN] = "unban", [CTL_CMD_STATUS] = "status", [CTL_CMD_RELOAD] = "reload",
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
    return cmd == CTL_CMD_LIST || cmd == CTL_CMD_SHOW || cmd == CTL_CMD_STATUS;
}

/* ---- JSON writer ------------------------------------------------------------------------ */

void
ctl_json_append_escaped(GString *out, const char *value, gsize len)
{
    static const char hex[] = "0123456789abcdef";
    g_string_append_c(out, '"');
    gsize i = 0;
    while (i < len) {
        guchar c = (guchar)value[i];
        if (c < 0x80) {
            switch (c) {
            case '"':
                g_string_append(out, "\\\"");
                break;
            case '\\':
                g_string_append(out, "\\\\");
                break;
            case '\n':
                g_string_append(out, "\\n");
                break;
            case '\r':
                g_string_append(out, "\\r");
                break;
            case '\t':
                g_string_append(out, "\\t");
                break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    g_string_append(out, "\\u00");
                    g_string_append_c(out, hex[c >> 4]);
                    g_string_append_c(out, hex[c & 0xf]);
                } else {
                    g_string_append_c(out, (char)c);
                }
            }
            i++;
            continue;
        }
        /* Multi-byte: copy a valid sequence whole, replace each invalid byte. */
        gunichar u = g_utf8_get_char_validated(value + i, (gssize)(len - i));
        if (u == (gunichar)-1 || u == (gunichar)-2) {
            g_string_append(out, "\\ufffd");
            i++;
            continue;
        }
        gsize n = (gsize)g_utf8_skip[c];
        g_string_append_len(out, value + i, (gssize)n);
        i += n;
    }
    g_string_append_c(out, '"');
}

void
ctl_json_writer_init(CtlJsonWriter *w, GString *out)
{
    w->out = out;
    w->depth = 0;
    w->has_member = 0;
}

/* Writes the separator and key that come before a value at the current depth. */
static void
writer_prefix(CtlJsonWriter *w, const char *key)
{
    if (w->depth > 0) {
        guint32 bit = 1u << w->depth;
        if (w->has_member & bit)
            g_string_append_c(w->out, ',');
        w->has_member |= bit;
    }
    if (key) {
        ctl_json_append_escaped(w->out, key, strlen(key));
        g_string_append_c(w->out, ':');
    }
}

static void
writer_open(CtlJsonWriter *w, const char *key, char bracket)
{
    g_return_if_fail(w->depth + 1 < CTL_JSON_DEPTH_MAX);
    writer_prefix(w, key);
    g_string_append_c(w->out, bracket);
    w->depth++;
    w->has_member &= ~(1u << w->depth);
}

static void
writer_close(CtlJsonWriter *w, char bracket)
{
    g_return_if_fail(w->depth > 0);
    w->depth--;
    g_string_append_c(w->out, bracket);
}

void
ctl_json_object_begin(CtlJsonWriter *w, const char *key)
{
    writer_open(w, key, '{');
}

void
ctl_json_object_end(CtlJsonWriter *w)
{
    writer_close(w, '}');
}

void
ctl_json_array_begin(CtlJsonWriter *w, const char *key)
{
    writer_open(w, key, '[');
}

void
ctl_json_array_end(CtlJsonWriter *w)
{
    writer_close(w, ']');
}

void
ctl_json_add_string_len(CtlJsonWriter *w, const char *key, const char *value, gsize len)
{
    writer_prefix(w, key);
    if (value)
        ctl_json_append_escaped(w->out, value, len);
    else
        g_string_append(w->out, "null");
}

void
ctl_json_add_string(CtlJsonWriter *w, const char *key, const char *value)
{
    ctl_json_add_string_len(w, key, value, value ? strlen(value) : 0);
}

void
ctl_json_add_int(CtlJsonWriter *w, const char *key, gint64 value)
{
    writer_prefix(w, key);
    g_string_append_printf(w->out, "%" G_GINT64_FORMAT, value);
}

void
ctl_json_add_bool(CtlJsonWriter *w, const char *key, gboolean value)
{
    writer_prefix(w, key);
    g_string_append(w->out, value ? "true" : "false");
}

void
ctl_json_add_null(CtlJsonWriter *w, const char *key)
{
    writer_prefix(w, key);
    g_string_append(w->out, "null");
}

/* ---- JSON reader ------------------------------------------------------------------------
 * Recursive descent over [p, end). Recursion depth is bounded by max_depth (at most
 * CTL_JSON_DEPTH_MAX), and every loop advances p, so time and stack are bounded by the input.
 * The first error stops the parse; its message names the byte offset. */

typedef struct {
    const char *start;
    const char *p;
    const char *end;
    guint max_depth;
    GError **error;
} Reader;

static CtlJsonValue *read_value(Reader *r, guint depth);

static gboolean G_GNUC_PRINTF(2, 3) reader_fail(Reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(r->error, ALERTBAN_ERROR, ALERTBAN_ERROR_PROTO, "invalid JSON at byte %td: %s",
                r->p - r->start, msg);
    return FALSE;
}

static void
skip_ws(Reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static CtlJsonValue *
value_new(CtlJsonType type)
{
    CtlJsonValue *v = g_new0(CtlJsonValue, 1);
    v->type = type;
    return v;
}

void
ctl_json_value_free(CtlJsonValue *v)
{
    if (!v)
        return;
    if (v->items)
        g_ptr_array_unref(v->items);
    g_free(v->key);
    g_free(v->s);
    g_free(v);
}

static int
hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads 4 hex digits after "\u"; r->p points at the first digit. */
static gboolean
read_hex4(Reader *r, gunichar *out)
{
    if (r->end - r->p < 4)
        return reader_fail(r, "truncated \\u escape");
    gunichar u = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(r->p[i]);
        if (d < 0)
            return reader_fail(r, "bad \\u escape");
        u = (u << 4) | (gunichar)d;
    }
    r->p += 4;
    *out = u;
    return TRUE;
}

/* Reads a string literal; r->p points at the opening quote. Returns an owned string. */
static char *
read_string(Reader *r, gsize *len_out)
{
    r->p++;
    /* Fast path, the usual case: no escapes, so the text is copied once. */
    const char *q = r->p;
    while (q < r->end && *q != '"' && *q != '\\' && (guchar)*q >= 0x20)
        q++;
    if (q < r->end && *q == '"') {
        gsize n = (gsize)(q - r->p);
        if (!g_utf8_validate_len(r->p, n, NULL)) {
            reader_fail(r, "string is not valid UTF-8");
            return NULL;
        }
        char *out = g_strndup(r->p, n);
        r->p = q + 1;
        *len_out = n;
        return out;
    }
    g_autoptr(GString) s = g_string_new(NULL);
    for (;;) {
        if (r->p >= r->end) {
            reader_fail(r, "unterminated string");
            return NULL;
        }
        guchar c = (guchar)*r->p;
        if (c == '"') {
            r->p++;
            break;
        }
        if (c < 0x20) {
            reader_fail(r, "control character in string");
            return NULL;
        }
        if (c != '\\') {
            g_string_append_c(s, (char)c);
            r->p++;
            continue;
        }
        r->p++;
        if (r->p >= r->end) {
            reader_fail(r, "unterminated escape");
            return NULL;
        }
        char e = *r->p++;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            g_string_append_c(s, e);
            break;
        case 'b':
            g_string_append_c(s, '\b');
            break;
        case 'f':
            g_string_append_c(s, '\f');
            break;
        case 'n':
            g_string_append_c(s, '\n');
            break;
        case 'r':
            g_string_append_c(s, '\r');
            break;
        case 't':
            g_string_append_c(s, '\t');
            break;
        case 'u': {
            gunichar u;
            if (!read_hex4(r, &u))
                return NULL;
            if (u >= 0xdc00 && u <= 0xdfff) {
                reader_fail(r, "lone low surrogate");
                return NULL;
            }
            if (u >= 0xd800 && u <= 0xdbff) {
                gunichar lo;
                if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u') {
                    reader_fail(r, "lone high surrogate");
                    return NULL;
                }
                r->p += 2;
                if (!read_hex4(r, &lo))
                    return NULL;
                if (lo < 0xdc00 || lo > 0xdfff) {
                    reader_fail(r, "bad surrogate pair");
                    return NULL;
                }
                u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
            }
            if (u == 0) {
                reader_fail(r, "NUL character in string");
                return NULL;
            }
            g_string_append_unichar(s, u);
            break;
        }
        default:
            reader_fail(r, "unknown escape");
            return NULL;
        }
    }
    /* Escapes always produce whole sequences, so validating the result catches every invalid
     * raw byte. */
    if (!g_utf8_validate_len(s->str, s->len, NULL)) {
        reader_fail(r, "string is not valid UTF-8");
        return NULL;
    }
    *len_out = s->len;
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static CtlJsonValue *
read_number(Reader *r)
{
    gboolean neg = FALSE;
    if (*r->p == '-') {
        neg = TRUE;
        r->p++;
    }
    if (r->p >= r->end || !g_ascii_isdigit(*r->p)) {
        reader_fail(r, "bad number");
        return NULL;
    }
    if (*r->p == '0' && r->end - r->p > 1 && g_ascii_isdigit(r->p[1])) {
        reader_fail(r, "leading zero in number");
        return NULL;
    }
    /* Magnitude up to 2^63 (the most negative gint64). */
    const guint64 limit = neg ? (guint64)G_MAXINT64 + 1 : (guint64)G_MAXINT64;
    guint64 m = 0;
    while (r->p < r->end && g_ascii_isdigit(*r->p)) {
        guint d = (guint)(*r->p - '0');
        if (m > (limit - d) / 10) {
            reader_fail(r, "integer out of range");
            return NULL;
        }
        m = m * 10 + d;
        r->p++;
    }
    if (r->p < r->end && (*r->p == '.' || *r->p == 'e' || *r->p == 'E')) {
        reader_fail(r, "only integers are accepted");
        return NULL;
    }
    CtlJsonValue *v = value_new(CTL_JSON_INT);
    if (neg)
        v->i = m == (guint64)G_MAXINT64 + 1 ? G_MININT64 : -(gint64)m;
    else
        v->i = (gint64)m;
    return v;
}

static gboolean
read_literal(Reader *r, const char *word)
{
    gsize n = strlen(word);
    if ((gsize)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return reader_fail(r, "unexpected character");
    r->p += n;
    return TRUE;
}

/* Whether obj already has a member named key. Objects in practice are small; a large one
 * switches to a hash set so a hostile reply cannot make this quadratic. */
static gboolean
object_has_key(CtlJsonValue *obj, GHashTable **seen, const char *key)
{
    GPtrArray *items = obj->items;
    if (!*seen && items->len < 16) {
        for (guint i = 0; i < items->len; i++) {
            if (strcmp(((CtlJsonValue *)items->pdata[i])->key, key) == 0)
                return TRUE;
        }
        return FALSE;
    }
    if (!*seen) {
        *seen = g_hash_table_new(g_str_hash, g_str_equal);
        for (guint i = 0; i < items->len; i++)
            g_hash_table_add(*seen, ((CtlJsonValue *)items->pdata[i])->key);
    }
    return g_hash_table_contains(*seen, key);
}

static CtlJsonValue *
read_container(Reader *r, guint depth, gboolean is_object)
{
    if (depth >= r->max_depth) {
        reader_fail(r, "nesting too deep");
        return NULL;
    }
    const char close = is_object ? '}' : ']';
    g_autoptr(CtlJsonValue) v = value_new(is_object ? CTL_JSON_OBJECT : CTL_JSON_ARRAY);
    v->items = g_ptr_array_new_with_free_func((GDestroyNotify)ctl_json_value_free);
    g_autoptr(GHashTable) seen = NULL;
    r->p++;
    skip_ws(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
        return g_steal_pointer(&v);
    }
    for (;;) {
        g_autofree char *key = NULL;
        if (is_object) {
            skip_ws(r);
            if (r->p >= r->end || *r->p != '"') {
                reader_fail(r, "expected a member name");
                return NULL;
            }
            gsize key_len;
            key = read_string(r, &key_len);
            if (!key)
                return NULL;
            if (object_has_key(v, &seen, key)) {
                reader_fail(r, "duplicate member");
                return NULL;
            }
            skip_ws(r);
            if (r->p >= r->end || *r->p != ':') {
                reader_fail(r, "expected ':'");
                return NULL;
            }
            r->p++;
        }
        CtlJsonValue *item = read_value(r, depth + 1);
        if (!item)
            return NULL;
        item->key = g_steal_pointer(&key);
        g_ptr_array_add(v->items, item);
        if (seen)
            g_hash_table_add(seen, item->key);
        skip_ws(r);
        if (r->p >= r->end) {
            reader_fail(r, "unterminated %s", is_object ? "object" : "array");
            return NULL;
        }
        if (*r->p == close) {
            r->p++;
            return g_steal_pointer(&v);
        }
        if (*r->p != ',') {
            reader_fail(r, "expected ',' or '%c'", close);
            return NULL;
        }
        r->p++;
    }
}

static CtlJsonValue *
read_value(Reader *r, guint depth)
{
    skip_ws(r);
    if (r->p >= r->end) {
        reader_fail(r, "expected a value");
        return NULL;
    }
    switch (*r->p) {
    case '{':
        return read_container(r, depth, TRUE);
    case '[':
        return read_container(r, depth, FALSE);
    case '"': {
        gsize len;
        char *s = read_string(r, &len);
        if (!s)
            return NULL;
        CtlJsonValue *v = value_new(CTL_JSON_STRING);
        v->s = s;
        v->s_len = len;
        return v;
    }
    case 't':
    case 'f': {
        gboolean b = *r->p == 't';
        if (!read_literal(r, b ? "true" : "false"))
            return NULL;
        CtlJsonValue *v = value_new(CTL_JSON_BOOL);
        v->b = b;
        return v;
    }
    case 'n':
        if (!read_literal(r, "null"))
            return NULL;
        return value_new(CTL_JSON_NULL);
    default:
        if (*r->p == '-' || g_ascii_isdigit(*r->p))
            return read_number(r);
        reader_fail(r, "unexpected character");
        return NULL;
    }
}

CtlJsonValue *
ctl_json_parse(const char *text, gsize len, guint max_depth, GError **error)
{
    g_return_val_if_fail(text != NULL || len == 0, NULL);
    Reader r = {
        .start = text,
        .p = text,
        .end = text + len,
        .max_depth = MIN(max_depth, CTL_JSON_DEPTH_MAX),
        .error = error,
    };
    g_autoptr(CtlJsonValue) v = read_value(&r, 0);
    if (!v)
        return NULL;
    skip_ws(&r);
    if (r.p != r.end) {
        reader_fail(&r, "trailing data after the value");
        return NULL;
    }
    return g_steal_pointer(&v);
}

const CtlJsonValue *
ctl_json_get(const CtlJsonValue *v, const char *key)
{
    if (!v || v->type != CTL_JSON_OBJECT)
        return NULL;
    for (guint i = 0; i < v->items->len; i++) {
        const CtlJsonValue *m = v->items->pdata[i];
        if (strcmp(m->key, key) == 0)
            return m;
    }
    return NULL;
}

const char *
ctl_json_get_string(const CtlJsonValue *v, const char *key)
{
    const CtlJsonValue *m = ctl_json_get(v, key);
    return m && m->type == CTL_JSON_STRING ? m->s : NULL;
}

gint64
ctl_json_get_int(const CtlJsonValue *v, const char *key, gint64 def)
{
    const CtlJsonValue *m = ctl_json_get(v, key);
    return m && m->type == CTL_JSON_INT ? m->i : def;
}

gboolean
ctl_json_get_bool(const CtlJsonValue *v, const char *key, gboolean def)
{
    const CtlJsonValue *m = ctl_json_get(v, key);
    return m && m->type == CTL_JSON_BOOL ? m->b : def;
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
} RequestKey;

static const struct {
    const char *name;
    RequestKey key;
    CtlJsonType type;
} request_keys[] = {
    {"v", KEY_V, CTL_JSON_INT},          {"cmd", KEY_CMD, CTL_JSON_STRING},
    {"addr", KEY_ADDR, CTL_JSON_STRING}, {"all", KEY_ALL, CTL_JSON_BOOL},
    {"for_s", KEY_FOR_S, CTL_JSON_INT},  {"permanent", KEY_PERMANENT, CTL_JSON_BOOL},
    {"force", KEY_FORCE, CTL_JSON_BOOL}, {"reason", KEY_REASON, CTL_JSON_STRING},
    {"limit", KEY_LIMIT, CTL_JSON_INT},  {"sort", KEY_SORT, CTL_JSON_STRING},
};

/* The keys each command takes besides v and cmd. */
static const guint command_keys[CTL_CMD_COUNT] = {
    [CTL_CMD_LIST] = KEY_ADDR | KEY_SORT | KEY_LIMIT,
    [CTL_CMD_SHOW] = KEY_ADDR | KEY_LIMIT,
    [CTL_CMD_BAN] = KEY_ADDR | KEY_FOR_S | KEY_PERMANENT | KEY_REASON | KEY_FORCE,
    [CTL_CMD_UNBAN] = KEY_ADDR | KEY_ALL,
    [CTL_CMD_STATUS] = 0,
    [CTL_CMD_RELOAD] = 0,
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
json_type_name(CtlJsonType t)
{
    static const char *const names[] = {"null",     "a boolean", "an integer",
                                        "a string", "an array",  "an object"};
    return names[t];
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
    g_autoptr(CtlJsonValue) obj = ctl_json_parse(line, len, 1, &local);
    if (!obj)
        return request_fail(error, "%s", local->message);
    if (obj->type != CTL_JSON_OBJECT)
        return request_fail(error, "a request is a JSON object");

    /* Pass 1: every member is a known key of the right type. */
    guint present = 0;
    const CtlJsonValue *values[G_N_ELEMENTS(request_keys)] = {0};
    for (guint i = 0; i < obj->items->len; i++) {
        const CtlJsonValue *m = obj->items->pdata[i];
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
    const CtlJsonValue *v_v = values[0], *v_cmd = values[1], *v_addr = values[2],
                       *v_all = values[3], *v_for = values[4], *v_perm = values[5],
                       *v_force = values[6], *v_reason = values[7], *v_limit = values[8],
                       *v_sort = values[9];

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
    if (v_reason) {
        if (v_reason->s_len > CTL_REASON_MAX)
            return request_fail(error, "\"reason\" longer than %d bytes", CTL_REASON_MAX);
        for (gsize i = 0; i < v_reason->s_len; i++) {
            guchar ch = (guchar)v_reason->s[i];
            if (ch < 0x20 || ch == 0x7f)
                return request_fail(error, "\"reason\" contains a control character");
        }
        memcpy(req->reason, v_reason->s, v_reason->s_len + 1);
    }

    switch (req->cmd) {
    case CTL_CMD_SHOW:
        if (!req->has_addr)
            return request_fail(error, "\"show\" needs \"addr\"");
        if (req->addr.len != ipaddr_bits(&req->addr.addr))
            return request_fail(error, "\"show\" takes an address, not a network");
        break;
    case CTL_CMD_BAN:
        if (!req->has_addr)
            return request_fail(error, "\"ban\" needs \"addr\"");
        break;
    case CTL_CMD_UNBAN:
        if (req->has_addr == req->all)
            return request_fail(error, "\"unban\" needs either \"addr\" or \"all\":true");
        break;
    case CTL_CMD_LIST:
    case CTL_CMD_STATUS:
    case CTL_CMD_RELOAD:
        break;
    }
    return TRUE;
}

void
ctl_proto_format_request(const CtlRequest *req, GString *out)
{
    CtlJsonWriter w;
    ctl_json_writer_init(&w, out);
    ctl_json_object_begin(&w, NULL);
    ctl_json_add_int(&w, "v", CTL_PROTO_VERSION);
    ctl_json_add_string(&w, "cmd", ctl_command_name(req->cmd));
    if (req->has_addr) {
        char buf[IPADDR_STRLEN];
        ctl_json_add_string(&w, "addr", ipprefix_format(&req->addr, buf));
    }
    if (req->all)
        ctl_json_add_bool(&w, "all", TRUE);
    if (req->for_s > 0)
        ctl_json_add_int(&w, "for_s", req->for_s);
    if (req->permanent)
        ctl_json_add_bool(&w, "permanent", TRUE);
    if (req->force)
        ctl_json_add_bool(&w, "force", TRUE);
    if (req->reason[0])
        ctl_json_add_string(&w, "reason", req->reason);
    if (req->limit > 0)
        ctl_json_add_int(&w, "limit", req->limit);
    if (req->cmd == CTL_CMD_LIST && req->sort != CTL_SORT_EXPIRES)
        ctl_json_add_string(&w, "sort", ctl_sort_name(req->sort));
    ctl_json_object_end(&w);
    g_string_append_c(out, '\n');
}

/* ---- replies ---------------------------------------------------------------------------- */

void
ctl_proto_reply_begin(CtlJsonWriter *w, GString *out)
{
    ctl_json_writer_init(w, out);
    ctl_json_object_begin(w, NULL);
    ctl_json_add_int(w, "v", CTL_PROTO_VERSION);
    ctl_json_add_bool(w, "ok", TRUE);
}

void
ctl_proto_reply_end(CtlJsonWriter *w)
{
    ctl_json_object_end(w);
    g_string_append_c(w->out, '\n');
}

void
ctl_proto_reply_error(GString *out, const char *code, const char *message)
{
    CtlJsonWriter w;
    ctl_json_writer_init(&w, out);
    ctl_json_object_begin(&w, NULL);
    ctl_json_add_int(&w, "v", CTL_PROTO_VERSION);
    ctl_json_add_bool(&w, "ok", FALSE);
    ctl_json_add_string(&w, "code", code);
    ctl_json_add_string(&w, "error", message);
    ctl_json_object_end(&w);
    g_string_append_c(out, '\n');
}

CtlJsonValue *
ctl_proto_parse_reply(const char *line, gsize len, gboolean *ok, GError **error)
{
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    g_autoptr(CtlJsonValue) v = ctl_json_parse(line, len, CTL_JSON_DEPTH_MAX, error);
    if (!v)
        return NULL;
    if (v->type != CTL_JSON_OBJECT) {
        g_set_error_literal(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PROTO,
                            "the reply is not a JSON object");
        return NULL;
    }
    gint64 version = ctl_json_get_int(v, "v", -1);
    if (version != CTL_PROTO_VERSION) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PROTO,
                    "the daemon speaks protocol version %" G_GINT64_FORMAT ", not %d", version,
                    CTL_PROTO_VERSION);
        return NULL;
    }
    const CtlJsonValue *okv = ctl_json_get(v, "ok");
    if (!okv || okv->type != CTL_JSON_BOOL) {
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
    const char *p = text;
    gint64 total = 0;
    gboolean bare = TRUE;
    if (!*p)
        goto bad;
    for (const char *q = p; *q; q++)
        bare = bare && g_ascii_isdigit(*q);
    while (*p) {
        if (!g_ascii_isdigit(*p))
            goto bad;
        gint64 n = 0;
        while (g_ascii_isdigit(*p)) {
            n = n * 10 + (*p - '0');
            if (n > CTL_FOR_MAX_S)
                goto range;
            p++;
        }
        gint64 unit;
        switch (*p) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        case 'w':
            unit = 7 * 86400;
            break;
        case '\0':
            if (!bare)
                goto bad;
            unit = 1;
            p--; /* balanced by the p++ below */
            break;
        default:
            goto bad;
        }
        p++;
        if (n > CTL_FOR_MAX_S / unit)
            goto range;
        total += n * unit;
        if (total > CTL_FOR_MAX_S)
            goto range;
    }
    if (total < 1)
        goto range;
    *out_s = total;
    return TRUE;
bad:
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE,
                "bad duration \"%s\" (examples: 3600, 90s, 45m, 12h, 7d, 2w, 1h30m)", text);
    return FALSE;
range:
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE,
                "duration \"%s\" out of range (1 s .. %lld days)", text,
                (long long)(CTL_FOR_MAX_S / 86400));
    return FALSE;
}

const char *
ctl_duration_format(gint64 seconds, char buf[CTL_DURATION_STRLEN])
{
    guint64 s = seconds < 0 ? (guint64)0 - (guint64)seconds : (guint64)seconds;
    if (s < 60)
        g_snprintf(buf, CTL_DURATION_STRLEN, "%" G_GUINT64_FORMAT "s", s);
    else if (s < 3600)
        g_snprintf(buf, CTL_DURATION_STRLEN, "%" G_GUINT64_FORMAT "m", s / 60);
    else if (s < 86400)
        g_snprintf(buf, CTL_DURATION_STRLEN, "%" G_GUINT64_FORMAT "h%02" G_GUINT64_FORMAT "m",
                   s / 3600, s % 3600 / 60);
    else
        g_snprintf(buf, CTL_DURATION_STRLEN, "%" G_GUINT64_FORMAT "d%02" G_GUINT64_FORMAT "h",
                   s / 86400, s % 86400 / 3600);
    return buf;
}
