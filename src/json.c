// SPDX-License-Identifier: GPL-2.0-or-later
// A small JSON writer on GString: the one place strings are escaped for JSON output.
#include "json.h"

#include <string.h>

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

void
json_append_string(GString *out, const char *s, gssize len)
{
    static const char hex[] = "0123456789abcdef";
    if (!s) {
        json_append_null(out);
        return;
    }
    gsize n = len < 0 ? strlen(s) : (gsize)len;
    const guchar *p = (const guchar *)s;
    g_string_append_c(out, '"');
    gsize run = 0; /* start of the current run of bytes copied as they are */
    gsize i = 0;
    while (i < n) {
        guchar c = p[i];
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            i++;
            continue;
        }
        if (c >= 0x80) {
            gsize k = utf8_sequence(p + i, n - i);
            if (k > 0) {
                i += k;
                continue;
            }
        }
        g_string_append_len(out, s + run, (gssize)(i - run));
        switch (c) {
        case '"':
            g_string_append_len(out, "\\\"", 2);
            break;
        case '\\':
            g_string_append_len(out, "\\\\", 2);
            break;
        case '\n':
            g_string_append_len(out, "\\n", 2);
            break;
        case '\r':
            g_string_append_len(out, "\\r", 2);
            break;
        case '\t':
            g_string_append_len(out, "\\t", 2);
            break;
        case '\b':
            g_string_append_len(out, "\\b", 2);
            break;
        case '\f':
            g_string_append_len(out, "\\f", 2);
            break;
        default:
            if (c >= 0x80) {
                g_string_append_len(out, "\\ufffd", 6); /* invalid UTF-8 byte */
            } else {
                char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
                g_string_append_len(out, u, 6);
            }
            break;
        }
        i++;
        run = i;
    }
    g_string_append_len(out, s + run, (gssize)(n - run));
    g_string_append_c(out, '"');
}

void
json_append_null(GString *out)
{
    g_string_append_len(out, "null", 4);
}

void
json_append_int(GString *out, gint64 v)
{
    if (v < 0) {
        g_string_append_c(out, '-');
        json_append_uint(out, (guint64)0 - (guint64)v);
    } else {
        json_append_uint(out, (guint64)v);
    }
}

void
json_append_uint(GString *out, guint64 v)
{
    char buf[24];
    gsize i = sizeof buf;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    g_string_append_len(out, buf + i, (gssize)(sizeof buf - i));
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
