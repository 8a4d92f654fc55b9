// SPDX-License-Identifier: GPL-2.0-or-later
// A small JSON writer on GString: the one place strings are escaped for JSON output.
#include "json.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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
json_write_int(char *dst, gint64 v)
{
    if (v < 0) {
        *dst++ = '-';
        return json_write_uint(dst, (guint64)0 - (guint64)v);
    }
    return json_write_uint(dst, (guint64)v);
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
        json_append_null(out);
        return;
    }
    gsize n = len < 0 ? strlen(s) : (gsize)len;
    char *p = json_reserve(out, JSON_STRING_BOUND(n));
    json_commit(out, json_write_string(p, s, n));
}

void
json_append_null(GString *out)
{
    g_string_append_len(out, "null", 4);
}

void
json_append_int(GString *out, gint64 v)
{
    char *p = json_reserve(out, JSON_UINT_BOUND);
    json_commit(out, json_write_int(p, v));
}

void
json_append_uint(GString *out, guint64 v)
{
    char *p = json_reserve(out, JSON_UINT_BOUND);
    json_commit(out, json_write_uint(p, v));
}

void
json_append_bool(GString *out, gboolean v)
{
    if (v)
        g_string_append_len(out, "true", 4);
    else
        g_string_append_len(out, "false", 5);
}

void
json_begin_object(GString *out)
{
    g_string_append_c(out, '{');
}

void
json_end_object(GString *out)
{
    g_string_append_c(out, '}');
}

void
json_begin_array(GString *out)
{
    g_string_append_c(out, '[');
}

void
json_end_array(GString *out)
{
    g_string_append_c(out, ']');
}

void
json_next_element(GString *out)
{
    if (out->len > 0 && out->str[out->len - 1] != '[')
        g_string_append_c(out, ',');
}

void
json_append_key(GString *out, const char *key)
{
    if (out->len > 0 && out->str[out->len - 1] != '{')
        g_string_append_c(out, ',');
    json_append_string(out, key, -1);
    g_string_append_c(out, ':');
}
