// SPDX-License-Identifier: GPL-2.0-or-later
// Differential fuzz target for the tail line splitter: the same bytes fed in chunks whose sizes
// come from the input must give exactly the lines, offsets and drops of a plain split of the
// whole text, since the tailer's reads end wherever the kernel says.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tail_lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    GString *text;   /* every delivered line followed by '\n' */
    GArray *offsets; /* guint64 end offset of each */
} Seen;

static void
on_line(const char *line, gsize len, guint64 end_offset, gpointer user_data)
{
    Seen *s = user_data;
    /* The line never carries its newline, and ends just before it. */
    if (memchr(line, '\n', len))
        abort();
    g_string_append_len(s->text, line, (gssize)len);
    g_string_append_c(s->text, '\n');
    g_array_append_val(s->offsets, end_offset);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Header: line_max, flags, how many chunk sizes follow, the sizes; the rest is the text. */
    if (size < 3)
        return 0;
    gsize line_max = 1 + data[0] % 64;
    if (data[1] & 2)
        line_max = 1 + (gsize)data[0] * 16; /* sometimes past a typical chunk */
    gboolean skip_partial = data[1] & 1;
    guint64 start = (data[1] & 4) ? 1000 : 0;
    gsize n_sizes = MIN((gsize)data[2] % 16, size - 3);
    const uint8_t *sizes = data + 3;
    const char *text = (const char *)data + 3 + n_sizes;
    gsize len = size - 3 - n_sizes;

    /* The plain split: every '\n'-terminated line of at most line_max bytes, in order; a
     * longer one counts as dropped (a partial first line when skipping counts as nothing). */
    Seen want = {g_string_new(NULL), g_array_new(FALSE, FALSE, sizeof(guint64))};
    guint64 want_dropped = 0;
    gsize pos = 0, tail_len = 0;
    gboolean first = TRUE;
    guint64 want_delivered = start;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        gsize n = nl ? (gsize)(nl - (text + pos)) : len - pos;
        gboolean skipped = first && skip_partial;
        first = FALSE;
        if (!nl) {
            /* An unfinished line: held, or already known to be too long. */
            if (!skipped && n > line_max)
                want_dropped++;
            else if (!skipped)
                tail_len = n;
            break;
        }
        if (!skipped) {
            if (n > line_max) {
                want_dropped++;
            } else {
                guint64 end = start + pos + n + 1;
                g_string_append_len(want.text, text + pos, (gssize)n);
                g_string_append_c(want.text, '\n');
                g_array_append_val(want.offsets, end);
            }
        }
        pos += n + 1;
        want_delivered = start + pos;
    }

    /* The same text in chunks; a size of 0 is an empty read (then one byte, to go on). */
    Seen got = {g_string_new(NULL), g_array_new(FALSE, FALSE, sizeof(guint64))};
    TailLines l;
    tail_lines_init(&l, line_max, start, skip_partial);
    guint64 counted = 0;
    gsize off = 0;
    for (gsize i = 0; off < len; i++) {
        gsize chunk = n_sizes ? sizes[i % n_sizes] : len;
        if (chunk == 0) {
            counted += tail_lines_feed(&l, text + off, 0, on_line, &got);
            chunk = 1;
        }
        chunk = MIN(chunk, len - off);
        /* An exact-size copy, so a read past the chunk is caught by ASan. */
        char *copy = g_memdup2(text + off, chunk);
        counted += tail_lines_feed(&l, copy, chunk, on_line, &got);
        g_free(copy);
        off += chunk;
    }

    if (off != len || !g_string_equal(want.text, got.text) ||
        want.offsets->len != got.offsets->len ||
        (want.offsets->len &&
         memcmp(want.offsets->data, got.offsets->data, want.offsets->len * sizeof(guint64)) != 0) ||
        counted != want.offsets->len || l.dropped != want_dropped || l.offset != start + len ||
        l.delivered != want_delivered || (!l.dropping && !l.skip_first && l.held_len != tail_len))
        abort();

    tail_lines_clear(&l);
    g_string_free(want.text, TRUE);
    g_string_free(got.text, TRUE);
    g_array_free(want.offsets, TRUE);
    g_array_free(got.offsets, TRUE);
    return 0;
}
