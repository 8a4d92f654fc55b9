// SPDX-License-Identifier: GPL-2.0-or-later
// JSON for the whole project: the one string escaper, the writer every JSON output goes through
// (parse --json, replay --json, control replies) and the strict reading, through jansson, that
// the control protocol uses.
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

/* ---- reader ------------------------------------------------------------------------------ */

/* jansson's message quotes the input near the error; keep it printable ASCII, since the
 * message goes back to the peer and into the log. */
static void
reader_fail(GError **error, gsize position, const char *text)
{
    g_autofree char *safe = g_strdup(text);
    for (char *p = safe; *p; p++) {
        if ((guchar)*p < 0x20 || (guchar)*p >= 0x7f)
            *p = '?';
    }
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PROTO,
                "invalid JSON at byte %" G_GSIZE_FORMAT ": %s", position, safe);
}

/* What jansson accepts and the protocol does not. Recursion stops at max_depth, so the walk
 * is bounded like the reader; jansson's own nesting limit (2048) bounds its parse. */
static const char *
check_value(const json_t *v, guint depth, guint max_depth)
{
    const char *why = NULL;
    switch (json_typeof(v)) {
    case JSON_REAL:
        return "only integers are accepted";
    case JSON_OBJECT: {
        if (depth >= max_depth)
            return "nesting too deep";
        for (void *it = json_object_iter((json_t *)v); it;
             it = json_object_iter_next((json_t *)v, it)) {
            if ((why = check_value(json_object_iter_value(it), depth + 1, max_depth)))
                return why;
        }
        return NULL;
    }
    case JSON_ARRAY: {
        if (depth >= max_depth)
            return "nesting too deep";
        for (gsize i = 0; i < json_array_size(v); i++) {
            if ((why = check_value(json_array_get(v, i), depth + 1, max_depth)))
                return why;
        }
        return NULL;
    }
    default:
        return NULL;
    }
}

json_t *
json_parse(const char *text, gsize len, guint max_depth, GError **error)
{
    g_return_val_if_fail(text != NULL || len == 0, NULL);
    json_error_t jerr;
    /* JSON_DECODE_ANY: a scalar parses too, so callers can say what they expected. */
    g_autoptr(json_t) v =
        json_loadb(len ? text : "", len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!v) {
        reader_fail(error, (gsize)MAX(jerr.position, 0), jerr.text);
        return NULL;
    }
    const char *why = check_value(v, 0, MIN(max_depth, JSON_DEPTH_MAX));
    if (why) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PROTO, "invalid JSON: %s", why);
        return NULL;
    }
    return g_steal_pointer(&v);
}

json_t *
json_get(const json_t *v, const char *key)
{
    return v ? json_object_get(v, key) : NULL;
}

const char *
json_get_string(const json_t *v, const char *key)
{
    return json_string_value(json_get(v, key));
}

gint64
json_get_int(const json_t *v, const char *key, gint64 def)
{
    const json_t *m = json_get(v, key);
    return json_is_integer(m) ? (gint64)json_integer_value(m) : def;
}

gboolean
json_get_bool(const json_t *v, const char *key, gboolean def)
{
    const json_t *m = json_get(v, key);
    return json_is_boolean(m) ? json_is_true(m) : def;
}
