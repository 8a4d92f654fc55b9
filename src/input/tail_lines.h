// SPDX-License-Identifier: GPL-2.0-or-later
// Splits a byte stream into complete lines with a length cap: the pure core of the tailer.
#pragma once

#include <glib.h>

typedef void (*TailLineFunc)(const char *line, gsize len, guint64 end_offset, gpointer user_data);

/* Splitter state for one file. A partial last line is held (at most line_max bytes) until
 * its newline arrives; a line longer than line_max is dropped as soon as it is known to be
 * too long, and everything up to its newline is skipped. */
typedef struct {
    gsize line_max;
    char *held; /* partial line, line_max bytes allocated on first use */
    gsize held_len;
    gboolean dropping;   /* inside an overlong line: skip to the next newline */
    gboolean skip_first; /* inside a line we started in the middle of: skip, not counted */
    guint64 offset;      /* stream offset of the next byte fed */
    guint64 delivered;   /* end offset of the last complete line passed on (or skipped) */
    guint64 dropped;     /* overlong lines */
} TailLines;

/* Starts splitting at offset. skip_partial: offset is inside a line (starting at the end of
 * a file whose last line is incomplete), so bytes up to the first newline are discarded. */
void tail_lines_init(TailLines *l, gsize line_max, guint64 offset, gboolean skip_partial);
void tail_lines_clear(TailLines *l);

/* Forgets any held or dropped line and restarts at offset (truncation). */
void tail_lines_reset(TailLines *l, guint64 offset);

/* Feeds the next len bytes; calls fn for each complete line within the cap (data is not
 * NUL-terminated; line points into data or the held buffer). Returns the lines delivered. */
guint64 tail_lines_feed(TailLines *l, const char *data, gsize len, TailLineFunc fn,
                        gpointer user_data);
