// SPDX-License-Identifier: GPL-2.0-or-later
// JSON for the whole project: the one string escaper, the writer every JSON output goes through
// (parse --json, replay --json, control replies) and the strict reader the control protocol uses.
#include "json.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "error.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when it is not one:
 * rejects overlong forms, surrogates and code points past U+10FFFF (RFC 3629). */
static gsize
utf8_sequence(const guchar *s, gsize n)
{
    guchar c = s[0];
    gsize need;
    guint32 min, cp;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        cp = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        cp = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (gsize i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return need;
}

static inline gboolean
plain_byte(guchar c)
{
    return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
}

/* Bytes from the start of s (n bytes) that are copied as they are: printable ASCII other
 * than quote and backslash. Sixteen at a time with SSE2. */
static gsize
plain_run(const guchar *s, gsize n)
{
    gsize i = 0;
#ifdef __SSE2__
    const __m128i lo = _mm_set1_epi8(0x1F), hi = _mm_set1_epi8(0x7E);
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        /* x <= 0x1F: min(x, 0x1F) == x;  x >= 0x7F: max(x, 0x7E) != 0x7E ... as x > 0x7E */
        __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(x, lo), x);
        __m128i high =
            _mm_xor_si128(_mm_cmpeq_epi8(_mm_max_epu8(x, hi), hi), _mm_set1_epi8((char)0xFF));
        __m128i bad =
            _mm_or_si128(_mm_or_si128(ctl, high),
                         _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)));
        int mask = _mm_movemask_epi8(bad);
        if (mask)
            return i + (gsize)__builtin_ctz((unsigned)mask);
    }
#endif
    while (i < n && plain_byte(s[i]))
        i++;
    return i;
}

char *
json_write_string(char *d, const char *str, gsize n)
{
    static const char hex[] = "0123456789abcdef";
    const guchar *s = (const guchar *)str;
    *d++ = '"';
    gsize i = 0;
    while (i < n) {
        gsize run = plain_run(s + i, n - i);
        memcpy(d, s + i, run);
        d += run;
        i += run;
        if (i == n)
            break;
        guchar c = s[i];
        if (c >= 0x80) {
            gsize k = utf8_sequence(s + i, n - i);
            if (k > 0) {
                memcpy(d, s + i, k);
                d += k;
                i += k;
            } else {
                memcpy(d, "\\ufffd", 6); /* a byte that is not UTF-8 */
                d += 6;
                i++;
            }
            continue;
        }
        *d++ = '\\';
        switch (c) {
        case '"':
            *d++ = '"';
            break;
        case '\\':
            *d++ = '\\';
            break;
        case '\n':
            *d++ = 'n';
            break;
        case '\r':
            *d++ = 'r';
            break;
        case '\t':
            *d++ = 't';
            break;
        case '\b':
            *d++ = 'b';
            break;
        case '\f':
            *d++ = 'f';
            break;
        default: /* other control bytes and DEL */
            memcpy(d, "u00", 3);
            d[3] = hex[c >> 4];
            d[4] = hex[c & 0xF];
            d += 5;
            break;
        }
        i++;
    }
    *d++ = '"';
    return d;
}

char *
json_write_uint(char *dst, guint64 v)
{
    char buf[24];
    gsize i = sizeof buf;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    memcpy(dst, buf + i, sizeof buf - i);
    return dst + (sizeof buf - i);
}

char *
json_reserve(GString *out, gsize bound)
{
    gsize old = out->len;
    g_string_set_size(out, old + bound);
    return out->str + old;
}

void
json_commit(GString *out, char *end)
{
    g_string_truncate(out, (gsize)(end - out->str));
}

void
json_append_string(GString *out, const char *s, gssize len)
{
    if (!s) {
        g_string_append_len(out, "null", 4);
        return;
    }
    gsize n = len < 0 ? strlen(s) : (gsize)len;
    char *p = json_reserve(out, JSON_STRING_BOUND(n));
    json_commit(out, json_write_string(p, s, n));
}

/* ---- writer ----------------------------------------------------------------------------- */

void
json_writer_init(JsonWriter *w, GString *out)
{
    w->out = out;
    w->depth = 0;
    w->has_member = 0;
}

/* Writes the separator and key that come before a value at the current depth. */
static void
writer_prefix(JsonWriter *w, const char *key)
{
    if (w->depth > 0) {
        guint32 bit = 1u << w->depth;
        if (w->has_member & bit)
            g_string_append_c(w->out, ',');
        w->has_member |= bit;
    }
    if (key) {
        json_append_string(w->out, key, -1);
        g_string_append_c(w->out, ':');
    }
}

static void
writer_open(JsonWriter *w, const char *key, char bracket)
{
    g_return_if_fail(w->depth + 1 < JSON_DEPTH_MAX);
    writer_prefix(w, key);
    g_string_append_c(w->out, bracket);
    w->depth++;
    w->has_member &= ~(1u << w->depth);
}

static void
writer_close(JsonWriter *w, char bracket)
{
    g_return_if_fail(w->depth > 0);
    w->depth--;
    g_string_append_c(w->out, bracket);
}

void
json_object_begin(JsonWriter *w, const char *key)
{
    writer_open(w, key, '{');
}

void
json_object_end(JsonWriter *w)
{
    writer_close(w, '}');
}

void
json_array_begin(JsonWriter *w, const char *key)
{
    writer_open(w, key, '[');
}

void
json_array_end(JsonWriter *w)
{
    writer_close(w, ']');
}

void
json_add_string_len(JsonWriter *w, const char *key, const char *value, gsize len)
{
    writer_prefix(w, key);
    if (value)
        json_append_string(w->out, value, (gssize)len);
    else
        g_string_append(w->out, "null");
}

void
json_add_string(JsonWriter *w, const char *key, const char *value)
{
    json_add_string_len(w, key, value, value ? strlen(value) : 0);
}

void
json_add_int(JsonWriter *w, const char *key, gint64 value)
{
    writer_prefix(w, key);
    g_string_append_printf(w->out, "%" G_GINT64_FORMAT, value);
}

void
json_add_uint(JsonWriter *w, const char *key, guint64 value)
{
    writer_prefix(w, key);
    g_string_append_printf(w->out, "%" G_GUINT64_FORMAT, value);
}

void
json_add_bool(JsonWriter *w, const char *key, gboolean value)
{
    writer_prefix(w, key);
    g_string_append(w->out, value ? "true" : "false");
}

void
json_add_null(JsonWriter *w, const char *key)
{
    writer_prefix(w, key);
    g_string_append(w->out, "null");
}

/* ---- JSON reader ------------------------------------------------------------------------
 * Recursive descent over [p, end). Recursion depth is bounded by max_depth (at most
 * JSON_DEPTH_MAX), and every loop advances p, so time and stack are bounded by the input.
 * The first error stops the parse; its message names the byte offset. */

typedef struct {
    const char *start;
    const char *p;
    const char *end;
    guint max_depth;
    GError **error;
} Reader;

static JsonValue *read_value(Reader *r, guint depth);

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

static JsonValue *
value_new(JsonType type)
{
    JsonValue *v = g_new0(JsonValue, 1);
    v->type = type;
    return v;
}

void
json_value_free(JsonValue *v)
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
/* The character a "\uXXXX" escape stands for (a surrogate pair takes two), after the 'u'. */
static gboolean
read_unicode_escape(Reader *r, gunichar *out)
{
    gunichar u;
    if (!read_hex4(r, &u))
        return FALSE;
    if (u >= 0xdc00 && u <= 0xdfff)
        return reader_fail(r, "lone low surrogate");
    if (u >= 0xd800 && u <= 0xdbff) {
        gunichar lo;
        if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
            return reader_fail(r, "lone high surrogate");
        r->p += 2;
        if (!read_hex4(r, &lo))
            return FALSE;
        if (lo < 0xdc00 || lo > 0xdfff)
            return reader_fail(r, "bad surrogate pair");
        u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
    }
    if (u == 0)
        return reader_fail(r, "NUL character in string");
    *out = u;
    return TRUE;
}

/* One escape at r->p (after its backslash), appended to s. */
static gboolean
read_escape(Reader *r, GString *s)
{
    if (r->p >= r->end)
        return reader_fail(r, "unterminated escape");
    char e = *r->p++;
    switch (e) {
    case '"':
    case '\\':
    case '/':
        g_string_append_c(s, e);
        return TRUE;
    case 'b':
        g_string_append_c(s, '\b');
        return TRUE;
    case 'f':
        g_string_append_c(s, '\f');
        return TRUE;
    case 'n':
        g_string_append_c(s, '\n');
        return TRUE;
    case 'r':
        g_string_append_c(s, '\r');
        return TRUE;
    case 't':
        g_string_append_c(s, '\t');
        return TRUE;
    case 'u': {
        gunichar u = 0;
        if (!read_unicode_escape(r, &u))
            return FALSE;
        g_string_append_unichar(s, u);
        return TRUE;
    }
    default:
        return reader_fail(r, "unknown escape");
    }
}

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
        if (!read_escape(r, s))
            return NULL;
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

static JsonValue *
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
    JsonValue *v = value_new(JSON_INT);
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
object_has_key(JsonValue *obj, GHashTable **seen, const char *key)
{
    GPtrArray *items = obj->items;
    if (!*seen && items->len < 16) {
        for (guint i = 0; i < items->len; i++) {
            if (strcmp(((JsonValue *)items->pdata[i])->key, key) == 0)
                return TRUE;
        }
        return FALSE;
    }
    if (!*seen) {
        *seen = g_hash_table_new(g_str_hash, g_str_equal);
        for (guint i = 0; i < items->len; i++)
            g_hash_table_add(*seen, ((JsonValue *)items->pdata[i])->key);
    }
    return g_hash_table_contains(*seen, key);
}

static JsonValue *
read_container(Reader *r, guint depth, gboolean is_object)
{
    if (depth >= r->max_depth) {
        reader_fail(r, "nesting too deep");
        return NULL;
    }
    const char close = is_object ? '}' : ']';
    g_autoptr(JsonValue) v = value_new(is_object ? JSON_OBJECT : JSON_ARRAY);
    v->items = g_ptr_array_new_with_free_func((GDestroyNotify)json_value_free);
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
        JsonValue *item = read_value(r, depth + 1);
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

static JsonValue *
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
        JsonValue *v = value_new(JSON_STRING);
        v->s = s;
        v->s_len = len;
        return v;
    }
    case 't':
    case 'f': {
        gboolean b = *r->p == 't';
        if (!read_literal(r, b ? "true" : "false"))
            return NULL;
        JsonValue *v = value_new(JSON_BOOL);
        v->b = b;
        return v;
    }
    case 'n':
        if (!read_literal(r, "null"))
            return NULL;
        return value_new(JSON_NULL);
    default:
        if (*r->p == '-' || g_ascii_isdigit(*r->p))
            return read_number(r);
        reader_fail(r, "unexpected character");
        return NULL;
    }
}

JsonValue *
json_parse(const char *text, gsize len, guint max_depth, GError **error)
{
    g_return_val_if_fail(text != NULL || len == 0, NULL);
    Reader r = {
        .start = text,
        .p = text,
        .end = text + len,
        .max_depth = MIN(max_depth, JSON_DEPTH_MAX),
        .error = error,
    };
    g_autoptr(JsonValue) v = read_value(&r, 0);
    if (!v)
        return NULL;
    skip_ws(&r);
    if (r.p != r.end) {
        reader_fail(&r, "trailing data after the value");
        return NULL;
    }
    return g_steal_pointer(&v);
}

const JsonValue *
json_get(const JsonValue *v, const char *key)
{
    if (!v || v->type != JSON_OBJECT)
        return NULL;
    for (guint i = 0; i < v->items->len; i++) {
        const JsonValue *m = v->items->pdata[i];
        if (strcmp(m->key, key) == 0)
            return m;
    }
    return NULL;
}

const char *
json_get_string(const JsonValue *v, const char *key)
{
    const JsonValue *m = json_get(v, key);
    return m && m->type == JSON_STRING ? m->s : NULL;
}

gint64
json_get_int(const JsonValue *v, const char *key, gint64 def)
{
    const JsonValue *m = json_get(v, key);
    return m && m->type == JSON_INT ? m->i : def;
}

gboolean
json_get_bool(const JsonValue *v, const char *key, gboolean def)
{
    const JsonValue *m = json_get(v, key);
    return m && m->type == JSON_BOOL ? m->b : def;
}
