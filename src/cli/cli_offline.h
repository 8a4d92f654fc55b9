// SPDX-License-Identifier: GPL-2.0-or-later
// What the offline commands (parse, replay) share: feeding an alert log from a descriptor to
// an AlertReader with bounded memory, and batched writes to standard output.
#pragma once

#include <glib.h>

#include "alert.h"

/* Feeds every line of fd to reader, alerts going to sink. A line longer than ALERT_LINE_MAX
 * is dropped as it streams past (alert_reader_feed_overlong), so memory stays bounded
 * whatever the input; the last line needs no newline. The reader is not flushed. FALSE on a
 * read error, reported on stderr as "CMD: reading NAME: why". */
gboolean cli_read_alerts(const char *cmd, int fd, const char *name, AlertReader *reader,
                         AlertSinkFunc sink, gpointer user_data);

/* Writes out to standard output and empties it. A failed write is reported on stderr as
 * "CMD: writing output: why" and sets *failed; from then on nothing is written. */
void cli_write_stdout(const char *cmd, GString *out, gboolean *failed);

/* --skipped: prints each line a reader did not take to standard error, as
 * "NAME:LINE: REASON: TEXT" (TEXT escaped and cut, see log_escape()), or "NAME@OFFSET: ..."
 * when line numbers are unknown (following a file from its end). Set name, and base_line to
 * alert_reader_lines() when the reader starts on that input. */
typedef struct {
    const char *name;
    guint64 base_line;
    gboolean by_offset;
} CliSkipped;

/* An AlertSkipFunc; user_data is a CliSkipped. */
void cli_print_skipped(AlertSkipReason reason, guint64 line_no, guint64 start_offset,
                       const char *line, gsize len, gpointer user_data);
