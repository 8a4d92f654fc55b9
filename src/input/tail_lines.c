// SPDX-License-Identifier: GPL-2.0-or-later
// Splits a byte stream into complete lines with a length cap: the pure core of the tailer.
#include "tail_lines.h"

#include <string.h>

void
tail_lines_init(TailLines *l, gsize line_max, guint64 offset, gboolean skip_partial)
{
    g_return_if_fail(line_max > 0);
    memset(l, 0, sizeof(*l));
    l->line_max = line_max;
    l->offset = offset;
    l->delivered = offset;
    l->skip_first = skip_partial;
}

void
tail_lines_clear(TailLines *l)
{
    g_clear_pointer(&l->held, g_free);
    l->held_len = 0;
}

void
tail_lines_reset(TailLines *l, guint64 offset)
{
    l->held_len = 0;
    l->dropping = FALSE;
    l->skip_first = FALSE;
    l->offset = offset;
    l->delivered = offset;
}

/*
 * Invariant: bytes [delivered, offset) are either held (held_len of them, when not dropping
 * or skipping) or being skipped. A line is delivered straight from the caller's buffer when
 * it lies wholly inside one feed, so the common case copies nothing; only a line split
 * across reads is assembled in held, which never grows past line_max.
 */
guint64
tail_lines_feed(TailLines *l, const char *data, gsize len, TailLineFunc fn, gpointer user_data)
{
    guint64 n_lines = 0;
    const char *p = data, *end = data + len;

    while (p < end) {
        const char *nl = memchr(p, '\n', (gsize)(end - p));
        gsize chunk = nl ? (gsize)(nl - p) : (gsize)(end - p);

        if (l->dropping || l->skip_first) {
            /* nothing to keep until the newline */
        } else if (l->held_len > 0 || !nl) {
            if (l->held_len + chunk > l->line_max) {
                l->dropping = TRUE;
                l->dropped++;
                l->held_len = 0;
            } else {
                if (!l->held)
                    l->held = g_malloc(l->line_max);
                memcpy(l->held + l->held_len, p, chunk);
                l->held_len += chunk;
            }
        } else if (chunk > l->line_max) {
            l->dropped++;
            l->dropping = TRUE;
        }

        l->offset += chunk;
        if (!nl)
            break;
        l->offset++; /* the newline */
        if (l->dropping || l->skip_first) {
            l->dropping = FALSE;
            l->skip_first = FALSE;
        } else if (l->held_len > 0) {
            gsize n = l->held_len;
            l->held_len = 0;
            l->delivered = l->offset;
            n_lines++;
            fn(l->held, n, l->offset, user_data);
        } else {
            l->delivered = l->offset;
            n_lines++;
            fn(p, chunk, l->offset, user_data);
        }
        l->delivered = l->offset;
        p = nl + 1;
    }
    return n_lines;
}
